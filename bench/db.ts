/**
 * Database benchmark against the peers, in one run: plain better-sqlite3, pageseal (some ciphers), and
 * better-sqlite3-multiple-ciphers (SQLite3MC: its AEGIS variants, chacha20 and sqlcipher schemes, with
 * raw keys). SQLite3MC is an optional peer: never a dependency of pageseal. It is found in the cache
 * folder .bench-peers/ (gitignored), or at --sqlite3mc DIR, or installed there with --install-peers
 * (it builds from source when no prebuilt binary can be downloaded: a few minutes, once).
 *
 * Every engine: WAL, synchronous=NORMAL, cache_size=-2000 (about 2 MB, far below the database), its own
 * database of --size-mb built once. Then --rounds rounds; in each, every engine in turn runs:
 *
 *   insert        rows into a new database in transactions of 10,000; µs per row (median transaction)
 *   open          open + key + pragmas + first point read + close; µs per cycle
 *   read          point reads by rowid, autocommit; µs per read
 *   read in txn   the same reads inside one read transaction; µs per read
 *   index read    lookups through a secondary index (k); µs per read
 *   scan          SELECT sum(length(payload)) over the table; µs per page
 *   update        100 transactions of 100 random-row updates; µs per row
 *   mixed x2      two worker threads, each 9 point reads to 1 update; µs per operation (wall / ops)
 *
 * Each figure is reported absolute (median over rounds) and as the median over rounds of its ratio to
 * plain better-sqlite3 in the same round.
 *
 *   npm run bench:db -- [--size-mb 200] [--rounds 3] [--reads 50000] [--ciphers aegis256,aegis256x4,aegis128x4,aes256gcm]
 *                       [--sqlite3mc DIR | --install-peers | --no-peers] [--json]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { CIPHER_SPECS } from '../src/index.js';
import type { CipherName } from '../src/ciphers/types.js';
import { nativeCipherPath } from '../src/ciphers/native-backend.js';
import { machineInfo } from '../src/bench/machine.js';
import { COMMON_PRAGMAS, findMc, mcEngines, openEngine, type Db, type EngineSpec } from './db-engines.js';
import { rng } from '../src/bench/rng.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

interface Options {
  sizeMb: number;
  rounds: number;
  reads: number;
  ciphers: CipherName[];
  sqlite3mc?: string;
  installPeers: boolean;
  peers: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMb: 200, rounds: 3, reads: 50_000, ciphers: ['aegis256', 'aegis256x4', 'aegis128x4', 'aes256gcm'], installPeers: false, peers: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size-mb') o.sizeMb = Number(argv[++i]);
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--reads') o.reads = Number(argv[++i]);
    else if (a === '--ciphers') o.ciphers = String(argv[++i]).split(',') as CipherName[];
    else if (a === '--sqlite3mc') o.sqlite3mc = resolve(argv[++i]!);
    else if (a === '--install-peers') o.installPeers = true;
    else if (a === '--no-peers') o.peers = false;
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.sizeMb > 0) || !(o.rounds >= 1) || !(o.reads > 0)) throw new Error('--size-mb, --rounds and --reads must be positive');
  return o;
}

export const WORKLOADS = ['insert', 'open', 'read', 'readTxn', 'indexRead', 'scan', 'update', 'mixed2'] as const;
export type Workload = (typeof WORKLOADS)[number];
export const WORKLOAD_LABELS: Record<Workload, string> = {
  insert: 'insert µs/row',
  open: 'open+1st query µs',
  read: 'point read µs',
  readTxn: 'read in txn µs',
  indexRead: 'index read µs',
  scan: 'scan µs/page',
  update: 'update µs/row',
  mixed2: 'mixed 2 thr µs/op',
};
type Figures = Record<Workload, number>;

const PAYLOAD = 400;
const BATCH = 10_000;
const INSERT_ROWS = 100_000;
const OPEN_CYCLES = 200;
const MIX_OPS = 20_000;
const payloads = Array.from({ length: 256 }, () => randomBytes(PAYLOAD));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();


function openConfigured(e: EngineSpec, path: string): Db {
  const db = openEngine(e, path);
  for (const p of COMMON_PRAGMAS) db.pragma(p);
  return db;
}

function removeDb(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(f, { force: true });
}

/** Fills a new database with `rows` rows; returns µs per row (median over the transactions). */
function fill(db: Db, rows: number): number {
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB); CREATE INDEX t_k ON t(k)');
  const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) ins.run(i + 1, (i * 7919) % 1_000_003, payloads[i & 255]);
  });
  const per: number[] = [];
  for (let i = 0; i < rows; i += BATCH) {
    const n = Math.min(BATCH, rows - i);
    const t0 = now();
    tx(i, i + n);
    per.push(((now() - t0) * 1000) / n);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return median(per);
}

function timePerOp(n: number, op: (i: number) => void): number {
  const t0 = now();
  for (let i = 0; i < n; i++) op(i);
  return ((now() - t0) * 1000) / n;
}

function runWorkers(e: EngineSpec, path: string, rows: number, seed: number): Promise<number> {
  const file = fileURLToPath(new URL('./db-worker.js', import.meta.url));
  const t0 = now();
  const one = (s: number) =>
    new Promise<number>((res, rej) => {
      const w = new Worker(file, { workerData: { engine: e, path, rows, ops: MIX_OPS, seed: s } });
      w.once('message', res);
      w.once('error', rej);
    });
  return Promise.all([one(seed), one(seed + 1)]).then(() => ((now() - t0) * 1000) / (2 * MIX_OPS));
}

async function round(e: EngineSpec, path: string, rows: number, o: Options, r: number): Promise<Figures> {
  const scratch = `${path}.insert`;
  let insert: number;
  try {
    const db = openConfigured(e, scratch);
    try {
      insert = fill(db, Math.min(rows, INSERT_ROWS));
    } finally {
      db.close();
    }
  } finally {
    removeDb(scratch);
  }
  const rr = rng(1000 + r);
  const open = timePerOp(OPEN_CYCLES, () => {
    const db = openConfigured(e, path);
    db.prepare('SELECT payload FROM t WHERE id = ?').pluck().get(1 + Math.floor(rr() * rows));
    db.close();
  });
  const db = openConfigured(e, path);
  let f: Omit<Figures, 'insert' | 'open' | 'mixed2'>;
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const sum = db.prepare('SELECT sum(length(payload)) FROM t').pluck();
    sum.get(); // the file into the OS cache
    const get = db.prepare('SELECT payload FROM t WHERE id = ?').pluck();
    const byK = db.prepare('SELECT id FROM t WHERE k = ?').pluck();
    const ids = rng(42 + r);
    const read = timePerOp(o.reads, () => get.get(1 + Math.floor(ids() * rows)));
    db.exec('BEGIN');
    const readTxn = timePerOp(o.reads, () => get.get(1 + Math.floor(ids() * rows)));
    db.exec('COMMIT');
    const indexRead = timePerOp(o.reads, () => byK.get(((Math.floor(ids() * rows) * 7919) % 1_000_003)));
    const scan = median([0, 1, 2].map(() => timePerOp(1, () => sum.get()))) / pages;
    const upd = db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
    const ru = rng(7 + r);
    const tx = db.transaction(() => {
      for (let j = 0; j < 100; j++) upd.run(payloads[j], 1 + Math.floor(ru() * rows));
    });
    const update = timePerOp(100, () => tx()) / 100;
    f = { read, readTxn, indexRead, scan, update };
  } finally {
    db.close();
  }
  const mixed2 = await runWorkers(e, path, rows, 99 + r);
  return { insert, open, ...f, mixed2 };
}

function ensureMc(o: Options, log: (s: string) => void): string | null {
  if (!o.peers) return null;
  let dir = findMc(ROOT, o.sqlite3mc);
  if (!dir && o.installPeers) {
    const major = Number((createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version.split('.')[0]);
    const spec = `better-sqlite3-multiple-ciphers@${major}`;
    log(`installing ${spec} into .bench-peers/ (builds from source when no prebuilt binary is reachable) ...\n`);
    const prefix = join(ROOT, '.bench-peers');
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', spec], { stdio: ['ignore', 'inherit', 'inherit'] });
    dir = findMc(ROOT, o.sqlite3mc);
  }
  if (!dir) log('better-sqlite3-multiple-ciphers not found: SQLite3MC skipped (--install-peers installs it into .bench-peers/, --sqlite3mc DIR names one)\n');
  return dir;
}

export interface DbBenchResult {
  machine: ReturnType<typeof machineInfo>;
  options: Options;
  rows: number;
  pragmas: Record<string, string[]>;
  versions: Record<string, string>;
  cipherPaths: Record<string, string | null>;
  results: { engine: string; fileMb: number; figures: Figures; ratios: Figures }[];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s);
  const machine = machineInfo();
  const hex32 = randomBytes(32).toString('hex');
  const engines: EngineSpec[] = [{ name: 'plain better-sqlite3', kind: 'plain' }];
  for (const c of o.ciphers) {
    const spec = CIPHER_SPECS.find((s) => s.name === c);
    if (!spec) throw new Error(`unknown cipher ${c}`);
    engines.push({ name: `pageseal ${c}`, kind: 'pageseal', cipher: c, hexkey: hex32.slice(0, spec.keySize * 2) });
  }
  const mcDir = ensureMc(o, log);
  const versions: Record<string, string> = { 'better-sqlite3': (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version };
  if (mcDir) {
    engines.push(...mcEngines(mcDir, hex32));
    versions['better-sqlite3-multiple-ciphers'] = (createRequire(join(mcDir, 'package.json'))('./package.json') as { version: string }).version;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-db-'));
  const rows = Math.round((o.sizeMb * 1024 * 1024) / (PAYLOAD + 40));
  const samples = new Map<string, Figures[]>();
  const ratioSamples = new Map<string, Figures[]>();
  const sizes = new Map<string, number>();
  try {
    const path = (e: EngineSpec) => join(dir, `${e.name.replace(/[^a-z0-9]+/gi, '_')}.db`);
    for (const e of engines) {
      log(`build ${e.name} (${rows} rows) ... `);
      const db = openConfigured(e, path(e));
      try {
        fill(db, rows);
      } finally {
        db.close();
      }
      sizes.set(e.name, statSync(path(e)).size / 1e6);
      log('done\n');
    }
    execFileSync('sync');
    for (let r = 0; r < o.rounds; r++) {
      log(`round ${r + 1}/${o.rounds}: `);
      let plain: Figures | undefined;
      for (const e of engines) {
        const f = await round(e, path(e), rows, o, r);
        plain ??= f;
        samples.set(e.name, [...(samples.get(e.name) ?? []), f]);
        const x = Object.fromEntries(WORKLOADS.map((k) => [k, f[k] / plain![k]])) as Figures;
        ratioSamples.set(e.name, [...(ratioSamples.get(e.name) ?? []), x]);
        log('.');
      }
      log('\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (xs: Figures[]) => Object.fromEntries(WORKLOADS.map((k) => [k, median(xs.map((x) => x[k]))])) as Figures;
  const result: DbBenchResult = {
    machine,
    options: o,
    rows,
    pragmas: Object.fromEntries(
      engines.map((e) => [
        e.name,
        [...(e.kind === 'mc' ? e.mcPragmas!.map((p) => p.replace(/raw:[0-9a-f]+/, 'raw:<64 hex digits>')) : e.kind === 'pageseal' ? [`open(path, { encryption: { cipher: '${e.cipher}', hexkey } })`] : []), ...COMMON_PRAGMAS],
      ]),
    ),
    versions,
    cipherPaths: Object.fromEntries(o.ciphers.map((c) => [c, nativeCipherPath(c)])),
    results: engines.map((e) => ({ engine: e.name, fileMb: Math.round(sizes.get(e.name)!), figures: med(samples.get(e.name)!), ratios: med(ratioSamples.get(e.name)!) })),
  };
  if (o.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(formatDbTable(result));
}

export function formatDbTable(r: DbBenchResult): string {
  const lines = [
    `${r.rows} rows (~${r.results[0]!.fileMb} MB), WAL, synchronous=NORMAL, cache_size=-2000; median of ${r.options.rounds} rounds; x = ratio to plain better-sqlite3 in the same round`,
    '',
    `| engine | ${WORKLOADS.map((w) => WORKLOAD_LABELS[w]).join(' | ')} |`,
    `|---|${WORKLOADS.map(() => '---:').join('|')}|`,
  ];
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  for (const e of r.results) {
    lines.push(`| ${e.engine} | ${WORKLOADS.map((w) => `${fmt(e.figures[w])} (${e.ratios[w].toFixed(2)}x)`).join(' | ')} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
