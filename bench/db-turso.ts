/**
 * Database benchmark: the same workload on plain better-sqlite3, on pageseal with each cipher, and
 * on Turso (`@tursodatabase/database`, encrypted with aegis256) in one run.
 *
 * The database is larger than SQLite's page cache (default 200 MB against cache_size = -2000, i.e.
 * about 2 MB) and sits in the OS page cache (it was just written, and is scanned once before the
 * timed reads), so every page miss costs a read from the OS cache plus, with pageseal, a decrypt.
 *
 *   bulk insert        rows/s, in transactions of 10,000 rows (WAL, synchronous=NORMAL) into a new
 *                      database of up to 100,000 rows, made afresh in every round (files written
 *                      earlier leave the kernel flushing dirty pages, which would tax whichever
 *                      engine came later); the rate is the median over its transactions
 *   point reads        100,000 random lookups by rowid, µs per lookup
 *   full scan          SELECT sum(length(payload)) over the table, µs per page
 *   update-heavy       100 transactions of 100 random-row updates, µs per updated row
 *
 * Every database is built first (and synced); then the insert, read and update workloads run in
 * --rounds rounds (default 3), each round going over every engine in turn, and each figure is the
 * best round: load from other processes on a shared machine then shifts no engine's figure more than
 * another's.
 *
 * Usage: npm run bench:db -- [--size-mb 200] [--reads 100000] [--rounds 3] [--json] [--only aegis256,turso,...] [--no-turso]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { open, CIPHER_SPECS } from '../src/index.js';
import { nativeCipherPath } from '../src/ciphers/native-backend.js';
import { rng } from '../src/bench/rng.js';

// ---------- options ----------

interface Options {
  sizeMb: number;
  reads: number;
  rounds: number;
  json: boolean;
  only: string[] | null;
  turso: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMb: 200, reads: 100_000, rounds: 3, json: false, only: null, turso: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size-mb') o.sizeMb = Number(argv[++i]);
    else if (a === '--reads') o.reads = Number(argv[++i]);
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else if (a === '--only') o.only = String(argv[++i]).split(',');
    else if (a === '--no-turso') o.turso = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.sizeMb > 0) || !(o.reads > 0) || !(o.rounds >= 1)) throw new Error('--size-mb, --reads and --rounds must be positive numbers');
  return o;
}

// ---------- workload ----------

const PAYLOAD_BYTES = 400;
/** Rows of about PAYLOAD_BYTES + overhead bytes: rows for a database of `sizeMb`. */
const rowsFor = (sizeMb: number) => Math.round((sizeMb * 1024 * 1024) / (PAYLOAD_BYTES + 30));
const BATCH = 10_000;
/** Rows inserted into a fresh database in each round's insert measurement. */
const INSERT_ROUND_ROWS = 100_000;
const UPDATE_TX = 100;
const UPDATES_PER_TX = 100;
const CACHE = -2000;


const payloads = Array.from({ length: 256 }, () => randomBytes(PAYLOAD_BYTES));
const payload = (i: number) => payloads[i & 255]!;

interface Result {
  engine: string;
  insertRowsPerSec: number;
  pointReadUs: number;
  scanUsPerPage: number;
  updateUsPerRow: number;
  pages: number;
  fileMb: number;
}

/** Figures of one round. */
interface Round {
  insertRowsPerSec: number;
  pointReadUs: number;
  scanUsPerPage: number;
  updateUsPerRow: number;
}

/** One engine: builds its database once, then measures a round on a fresh connection each time. */
interface Engine {
  name: string;
  path: string;
  /** Creates the database with `rows` rows; returns the insert rate (rows/s). */
  build(rows: number): Promise<number>;
  /** Inserts `rows` rows into a new scratch database, deleted afterwards; returns rows/s. */
  insertRound(rows: number): Promise<number>;
  round(rows: number, reads: number): Promise<Omit<Round, 'insertRowsPerSec'>>;
  pages(): Promise<number>;
}

const now = () => performance.now();

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

// ---------- better-sqlite3 (plain and pageseal) ----------

type Db = BetterSqlite3.Database;

function configure(db: Db): void {
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = normal');
  db.pragma(`cache_size = ${CACHE}`);
}

/** Inserts `rows` rows in transactions of BATCH; returns BATCH / median transaction time. */
function insertAll(db: Db, rows: number): number {
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
  const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) ins.run(i + 1, i * 7, payload(i));
  });
  const times: number[] = [];
  for (let i = 0; i < rows; i += BATCH) {
    const t0 = now();
    batch(i, Math.min(rows, i + BATCH));
    times.push((now() - t0) / (Math.min(rows, i + BATCH) - i));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return 1000 / median(times);
}

function pointReads(db: Db, rows: number, n: number): number {
  const get = db.prepare('SELECT payload FROM t WHERE id = ?').pluck();
  const r = rng(42);
  const t0 = now();
  for (let i = 0; i < n; i++) get.get(1 + Math.floor(r() * rows));
  return ((now() - t0) * 1000) / n;
}

function fullScan(db: Db, pages: number): number {
  const t0 = now();
  db.prepare('SELECT sum(length(payload)) FROM t').pluck().get();
  return ((now() - t0) * 1000) / pages;
}

function updates(db: Db, rows: number, seed: number): number {
  const upd = db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
  const r = rng(seed);
  const tx = db.transaction(() => {
    for (let j = 0; j < UPDATES_PER_TX; j++) upd.run(payload(j), 1 + Math.floor(r() * rows));
  });
  const t0 = now();
  for (let i = 0; i < UPDATE_TX; i++) tx();
  return ((now() - t0) * 1000) / (UPDATE_TX * UPDATES_PER_TX);
}

/** Deletes a scratch database and its side files. */
function removeDb(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(f, { force: true });
}

function sqliteEngine(name: string, path: string, openAt: (path: string) => Db): Engine {
  let round = 0;
  const withDb = <T>(use: (db: Db) => T, at = path): T => {
    const db = openAt(at);
    try {
      configure(db);
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    name,
    path,
    build: async (rows) => withDb((db) => insertAll(db, rows)),
    insertRound: async (rows) => {
      const scratch = `${path}.insert`;
      try {
        return withDb((db) => insertAll(db, rows), scratch);
      } finally {
        removeDb(scratch);
      }
    },
    pages: async () => withDb((db) => db.pragma('page_count', { simple: true }) as number),
    // A fresh connection: SQLite's cache is cold, the file is in the OS cache (scanned once first).
    round: async (rows, reads) =>
      withDb((db) => {
        const pages = db.pragma('page_count', { simple: true }) as number;
        fullScan(db, pages);
        return { pointReadUs: pointReads(db, rows, reads), scanUsPerPage: fullScan(db, pages), updateUsPerRow: updates(db, rows, 7 + round++) };
      }),
  };
}

// ---------- Turso ----------

type TursoModule = typeof import('@tursodatabase/database');
type TursoDb = Awaited<ReturnType<TursoModule['connect']>>;

async function loadTurso(): Promise<TursoModule | null> {
  try {
    return await import('@tursodatabase/database');
  } catch {
    return null;
  }
}

function tursoEngine(turso: TursoModule, path: string): Engine {
  const encryption = { cipher: 'aegis256' as const, hexkey: randomBytes(32).toString('hex') };
  let round = 0;
  const withDb = async <T>(use: (db: TursoDb) => Promise<T>, at = path): Promise<T> => {
    const db = await turso.connect(at, { encryption });
    try {
      await db.exec(`PRAGMA cache_size = ${CACHE}`);
      await db.exec('PRAGMA synchronous = NORMAL'); // as the better-sqlite3 runs
      return await use(db);
    } finally {
      await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      await db.close();
    }
  };
  const pageCount = async (db: TursoDb) => Number(((await db.get('PRAGMA page_count')) as Record<string, number>).page_count);
  const scan = async (db: TursoDb, pages: number) => {
    const t0 = now();
    await db.get('SELECT sum(length(payload)) AS s FROM t');
    return ((now() - t0) * 1000) / pages;
  };
  const build = (rows: number, at = path) =>
    withDb(async (db) => {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
      const ins = await db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
      const times: number[] = [];
      for (let i = 0; i < rows; i += BATCH) {
        const t0 = now();
        await db.exec('BEGIN');
        for (let j = i; j < Math.min(rows, i + BATCH); j++) await ins.run(j + 1, j * 7, payload(j));
        await db.exec('COMMIT');
        times.push((now() - t0) / (Math.min(rows, i + BATCH) - i));
      }
      return 1000 / median(times);
    }, at);
  const insertRound = async (rows: number) => {
    const scratch = `${path}.insert`;
    try {
      return await build(rows, scratch);
    } finally {
      removeDb(scratch);
    }
  };
  const measure = (rows: number, reads: number) =>
    withDb(async (db) => {
      const pages = await pageCount(db);
      await scan(db, pages);
      const get = await db.prepare('SELECT payload FROM t WHERE id = ?');
      const r = rng(42);
      let t0 = now();
      for (let i = 0; i < reads; i++) await get.get(1 + Math.floor(r() * rows));
      const pointReadUs = ((now() - t0) * 1000) / reads;
      const scanUsPerPage = await scan(db, pages);
      const upd = await db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
      const ru = rng(7 + round++);
      t0 = now();
      for (let i = 0; i < UPDATE_TX; i++) {
        await db.exec('BEGIN');
        for (let j = 0; j < UPDATES_PER_TX; j++) await upd.run(payload(j), 1 + Math.floor(ru() * rows));
        await db.exec('COMMIT');
      }
      return { pointReadUs, scanUsPerPage, updateUsPerRow: ((now() - t0) * 1000) / (UPDATE_TX * UPDATES_PER_TX) };
    });
  return { name: 'turso aegis256', path, build: (rows) => build(rows), insertRound, round: measure, pages: () => withDb(pageCount) };
}

// ---------- report ----------

interface Ratios {
  insert: number;
  pointRead: number;
  scan: number;
  update: number;
}

/** Cost relative to plain better-sqlite3 (>1 is slower). */
function ratios(r: Result, plain: Result): Ratios {
  return {
    insert: plain.insertRowsPerSec / r.insertRowsPerSec,
    pointRead: r.pointReadUs / plain.pointReadUs,
    scan: r.scanUsPerPage / plain.scanUsPerPage,
    update: r.updateUsPerRow / plain.updateUsPerRow,
  };
}

/** Targets from the issue: engine -> limits on the ratios. */
const TARGETS: Record<string, Partial<Ratios>> = {
  'pageseal aegis256': { pointRead: 1.15, scan: 1.5, insert: 1.2 },
  'pageseal aegis128x4': { scan: 1.25 },
};

function targetNotes(r: Result, x: Ratios): string {
  const t = TARGETS[r.engine];
  if (!t) return '';
  return (Object.keys(t) as (keyof Ratios)[])
    .map((k) => `${k} ${x[k] <= t[k]! ? 'met' : 'MISSED'} (<= ${t[k]})`)
    .join(', ');
}

function pad(s: string, n: number, left = false): string {
  return left ? s.padEnd(n) : s.padStart(n);
}

function printTable(results: Result[], opts: Options): void {
  const plain = results[0]!;
  console.log(
    `\ndatabase ~${plain.fileMb.toFixed(0)} MB (${plain.pages} pages of 4096 B), cache_size=${CACHE}, ${opts.reads} point reads; inserts (into a new database each round), reads, scans and updates: best of ${opts.rounds} rounds\n`,
  );
  const head = `${pad('engine', 22, true)} ${pad('insert rows/s', 14)} ${pad('x', 6)} ${pad('read µs', 9)} ${pad('x', 6)} ${pad('scan µs/pg', 11)} ${pad('x', 6)} ${pad('update µs/row', 14)} ${pad('x', 6)}`;
  const paths = CIPHER_SPECS.map((c) => `${c.name} ${nativeCipherPath(c.name) ?? '?'}`).join(', ');
  console.log(`CPU paths of the ciphers: ${paths}\n`);
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of results) {
    const x = ratios(r, plain);
    console.log(
      `${pad(r.engine, 22, true)} ${pad(Math.round(r.insertRowsPerSec).toLocaleString('en-US'), 14)} ${pad(x.insert.toFixed(2), 6)} ` +
        `${pad(r.pointReadUs.toFixed(2), 9)} ${pad(x.pointRead.toFixed(2), 6)} ${pad(r.scanUsPerPage.toFixed(2), 11)} ${pad(x.scan.toFixed(2), 6)} ` +
        `${pad(r.updateUsPerRow.toFixed(2), 14)} ${pad(x.update.toFixed(2), 6)}`,
    );
  }
  console.log('\nx = cost relative to plain better-sqlite3 (time ratio; for inserts, plain rows/s over this engine\'s).');
  console.log('Turso runs through its async JavaScript API (one await per statement), which is part of its cost.');
  for (const r of results) {
    const notes = targetNotes(r, ratios(r, plain));
    if (notes) console.log(`target ${r.engine}: ${notes}`);
  }
}

// ---------- main ----------

function engines(dir: string, opts: Options, turso: TursoModule | null): Engine[] {
  const wanted = (name: string) => !opts.only || opts.only.includes(name);
  const plainPath = join(dir, 'plain.db');
  const list = [sqliteEngine('plain better-sqlite3', plainPath, (at) => new BetterSqlite3(at))];
  for (const spec of CIPHER_SPECS) {
    if (!wanted(spec.name)) continue;
    const path = join(dir, `${spec.name}.db`);
    const encryption = { cipher: spec.name, hexkey: randomBytes(spec.keySize).toString('hex') };
    list.push(sqliteEngine(`pageseal ${spec.name}`, path, (at) => open(at, { encryption })));
  }
  if (turso) list.push(tursoEngine(turso, join(dir, 'turso.db')));
  return list;
}

async function measureAll(list: Engine[], opts: Options, log: (s: string) => void): Promise<Result[]> {
  const rows = rowsFor(opts.sizeMb);
  for (const e of list) {
    log(`build ${e.name} ... `);
    await e.build(rows);
    log('done\n');
  }
  execFileSync('sync'); // start the rounds with no dirty pages left to flush
  const insertRows = Math.min(rows, INSERT_ROUND_ROWS);
  const best = new Map<Engine, Round>();
  for (let r = 1; r <= opts.rounds; r++) {
    log(`round ${r}/${opts.rounds}:`);
    for (const e of list) {
      const x: Round = { insertRowsPerSec: await e.insertRound(insertRows), ...(await e.round(rows, opts.reads)) };
      const b = best.get(e);
      best.set(
        e,
        b
          ? {
              insertRowsPerSec: Math.max(b.insertRowsPerSec, x.insertRowsPerSec),
              pointReadUs: Math.min(b.pointReadUs, x.pointReadUs),
              scanUsPerPage: Math.min(b.scanUsPerPage, x.scanUsPerPage),
              updateUsPerRow: Math.min(b.updateUsPerRow, x.updateUsPerRow),
            }
          : x,
      );
      log('.');
    }
    log('\n');
  }
  const out: Result[] = [];
  for (const e of list) {
    out.push({ engine: e.name, ...best.get(e)!, pages: await e.pages(), fileMb: statSync(e.path).size / 1048576 });
  }
  return out;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string) => {
    if (!opts.json) process.stderr.write(s);
  };
  const wantTurso = opts.turso && (!opts.only || opts.only.includes('turso'));
  const turso = wantTurso ? await loadTurso() : null;
  if (wantTurso && !turso) log('@tursodatabase/database is not installed: Turso skipped\n');
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-'));
  let results: Result[];
  try {
    results = await measureAll(engines(dir, opts, turso), opts, log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.json) {
    const plain = results[0]!;
    const cipherPaths = Object.fromEntries(CIPHER_SPECS.map((c) => [c.name, nativeCipherPath(c.name)]));
    console.log(JSON.stringify({ options: opts, cipherPaths, results: results.map((r) => ({ ...r, ratios: ratios(r, plain) })) }, null, 2));
  } else {
    printTable(results, opts);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
