/**
 * A short database workload on plain better-sqlite3 and on pageseal with each cipher, in the same
 * run: inserts into a new database (WAL, synchronous=NORMAL, transactions of 1,000 rows), point
 * reads by rowid, a full scan and small update transactions, with a page cache (cache_size) far
 * smaller than the database, so reads go through the VFS (and the cipher) from the OS cache.
 * Engines take turns within each round (plain, then every cipher); each ratio is taken against
 * plain in the same round, and the median ratio over the rounds is reported, so load from other
 * processes shifts no engine more than another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { open } from '../api/open.js';
import { CIPHER_SPECS } from '../ciphers/registry.js';
import type { CipherName } from '../ciphers/types.js';
import { median } from './cipher-speed.js';
import { rng } from './rng.js';

export interface DbFigures {
  insertUsPerRow: number;
  pointReadUs: number;
  scanUsPerPage: number;
  updateUsPerRow: number;
}

export type DbWorkload = keyof DbFigures;
export const DB_WORKLOADS: readonly DbWorkload[] = ['insertUsPerRow', 'pointReadUs', 'scanUsPerPage', 'updateUsPerRow'];

export interface DbResult {
  engine: 'plain' | CipherName;
  /** Median over the rounds (absolute). */
  figures: DbFigures;
  /** Median over the rounds of this engine's figure / plain's in the same round (1 for plain). */
  ratios: DbFigures;
}

export interface DbOptions {
  rows: number;
  reads: number;
  rounds: number;
  pageSize: number;
  progress?: (what: string) => void;
}

const CACHE_KIB = 512;
const PAYLOAD = 400;
const BATCH = 1000;
const UPDATE_TX = 20;
const UPDATES_PER_TX = 20;

type Db = BetterSqlite3.Database;


const payloads = Array.from({ length: 64 }, () => randomBytes(PAYLOAD));

function configure(db: Db, pageSize: number): void {
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = normal');
  db.pragma(`cache_size = -${CACHE_KIB}`);
}

function timeUs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) * 1000;
}

/** One engine's round: a fresh database of `rows` rows, then reads, a scan and updates on it. */
function round(openDb: () => Db, opts: DbOptions, seed: number): DbFigures {
  const db = openDb();
  try {
    configure(db, opts.pageSize);
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
    const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) ins.run(i + 1, i * 7, payloads[i & 63]);
    });
    const insertUs = timeUs(() => {
      for (let i = 0; i < opts.rows; i += BATCH) batch(i, Math.min(opts.rows, i + BATCH));
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    const get = db.prepare('SELECT payload FROM t WHERE id = ?').pluck();
    const r = rng(42);
    const readUs = timeUs(() => {
      for (let i = 0; i < opts.reads; i++) get.get(1 + Math.floor(r() * opts.rows));
    });
    const sum = db.prepare('SELECT sum(length(payload)) FROM t').pluck();
    sum.get(); // the file is in the OS cache; SQLite's own cache holds a fraction of it
    const scanUs = median([0, 1, 2].map(() => timeUs(() => sum.get()))); // a scan is short: the median of three
    const upd = db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
    const ru = rng(seed);
    const tx = db.transaction(() => {
      for (let j = 0; j < UPDATES_PER_TX; j++) upd.run(payloads[j & 63], 1 + Math.floor(ru() * opts.rows));
    });
    const updateUs = timeUs(() => {
      for (let i = 0; i < UPDATE_TX; i++) tx();
    });
    return {
      insertUsPerRow: insertUs / opts.rows,
      pointReadUs: readUs / opts.reads,
      scanUsPerPage: scanUs / pages,
      updateUsPerRow: updateUs / (UPDATE_TX * UPDATES_PER_TX),
    };
  } finally {
    db.close();
  }
}

function removeDb(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(f, { force: true });
}

/** Runs the workload on plain better-sqlite3 and on pageseal with each of `ciphers`. */
export function measureDb(opts: DbOptions, ciphers: readonly CipherName[] = CIPHER_SPECS.map((s) => s.name)): DbResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-'));
  const engines: { engine: DbResult['engine']; open: (path: string) => Db }[] = [
    { engine: 'plain', open: (path) => new BetterSqlite3(path) },
    ...ciphers.map((name) => {
      const spec = CIPHER_SPECS.find((s) => s.name === name)!;
      const hexkey = randomBytes(spec.keySize).toString('hex');
      return { engine: name, open: (path: string) => open(path, { encryption: { cipher: name, hexkey } }) };
    }),
  ];
  const samples = new Map<string, DbFigures[]>();
  const ratioSamples = new Map<string, DbFigures[]>();
  try {
    for (let r = 0; r < opts.rounds; r++) {
      let plain: DbFigures | undefined;
      engines.forEach((e, i) => {
        opts.progress?.(`database workload, round ${r + 1}/${opts.rounds}: ${e.engine} (${i + 1}/${engines.length})`);
        const path = join(dir, `${e.engine}-${r}.db`);
        try {
          const f = round(() => e.open(path), opts, 7 + r);
          plain ??= f;
          samples.set(e.engine, [...(samples.get(e.engine) ?? []), f]);
          const x = Object.fromEntries(DB_WORKLOADS.map((k) => [k, f[k] / plain![k]])) as unknown as DbFigures;
          ratioSamples.set(e.engine, [...(ratioSamples.get(e.engine) ?? []), x]);
        } finally {
          removeDb(path);
        }
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (xs: DbFigures[]) => Object.fromEntries(DB_WORKLOADS.map((k) => [k, median(xs.map((x) => x[k]))])) as unknown as DbFigures;
  return engines.map((e) => ({ engine: e.engine, figures: med(samples.get(e.engine)!), ratios: med(ratioSamples.get(e.engine)!) }));
}

/** Plain SQLite's own cost per page read from the OS cache (a full scan with a small page cache): the chart's baseline. */
export function plainPageReadUs(pageSize: number, runs: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-'));
  const path = join(dir, 'plain.db');
  try {
    const db = new BetterSqlite3(path);
    try {
      configure(db, pageSize);
      db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
      const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
      db.transaction(() => {
        for (let i = 0; i < 8000; i++) ins.run(i + 1, i, payloads[i & 63]);
      })();
      db.pragma('wal_checkpoint(TRUNCATE)');
      const pages = db.pragma('page_count', { simple: true }) as number;
      const sum = db.prepare('SELECT sum(length(payload)) FROM t').pluck();
      sum.get();
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) xs.push(timeUs(() => sum.get()) / pages);
      return median(xs);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
