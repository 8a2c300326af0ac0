/**
 * Database benchmark: the same workload on plain better-sqlite3, on pageseal with each cipher, and
 * on Turso (`@tursodatabase/database`, encrypted with aegis256) in one run.
 *
 * The database is larger than SQLite's page cache (default 200 MB against cache_size = -2000, i.e.
 * about 2 MB) and sits in the OS page cache (it was just written, and is scanned once before the
 * timed reads), so every page miss costs a read from the OS cache plus, with pageseal, a decrypt.
 *
 *   bulk insert        rows/s, in transactions of 10,000 rows (WAL, synchronous=NORMAL)
 *   point reads        100,000 random lookups by rowid, µs per lookup
 *   full scan          SELECT sum(length(payload)) over the table, µs per page (best of 3)
 *   update-heavy       transactions of 100 random-row updates, µs per updated row
 *
 * Usage: npm run bench:db -- [--size-mb 200] [--reads 100000] [--json] [--only plain,aegis256,...] [--no-turso]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { open, CIPHER_SPECS } from '../src/index.js';

// ---------- options ----------

interface Options {
  sizeMb: number;
  reads: number;
  json: boolean;
  only: string[] | null;
  turso: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMb: 200, reads: 100_000, json: false, only: null, turso: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size-mb') o.sizeMb = Number(argv[++i]);
    else if (a === '--reads') o.reads = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else if (a === '--only') o.only = String(argv[++i]).split(',');
    else if (a === '--no-turso') o.turso = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.sizeMb > 0) || !(o.reads > 0)) throw new Error('--size-mb and --reads must be positive numbers');
  return o;
}

// ---------- workload ----------

const PAYLOAD_BYTES = 400;
/** Rows of about PAYLOAD_BYTES + overhead bytes: rows for a database of `sizeMb`. */
const rowsFor = (sizeMb: number) => Math.round((sizeMb * 1024 * 1024) / (PAYLOAD_BYTES + 30));
const BATCH = 10_000;
const UPDATE_TX = 200;
const UPDATES_PER_TX = 100;
const CACHE = -2000;

/** Pseudo-random (xorshift) so every engine gets the same sequence. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

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

const now = () => performance.now();

// ---------- better-sqlite3 (plain and pageseal) ----------

type Db = BetterSqlite3.Database;

function configure(db: Db): void {
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = normal');
  db.pragma(`cache_size = ${CACHE}`);
}

function insertAll(db: Db, rows: number): number {
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
  const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) ins.run(i + 1, i * 7, payload(i));
  });
  const t0 = now();
  for (let i = 0; i < rows; i += BATCH) batch(i, Math.min(rows, i + BATCH));
  db.pragma('wal_checkpoint(TRUNCATE)');
  return rows / ((now() - t0) / 1000);
}

function pointReads(db: Db, rows: number, n: number): number {
  const get = db.prepare('SELECT payload FROM t WHERE id = ?').pluck();
  const r = rng(42);
  const t0 = now();
  for (let i = 0; i < n; i++) get.get(1 + Math.floor(r() * rows));
  return ((now() - t0) * 1000) / n;
}

function fullScan(db: Db, pages: number): number {
  const scan = db.prepare('SELECT sum(length(payload)) FROM t').pluck();
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    scan.get();
    best = Math.min(best, now() - t0);
  }
  return (best * 1000) / pages;
}

function updates(db: Db, rows: number): number {
  const upd = db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
  const r = rng(7);
  const tx = db.transaction(() => {
    for (let j = 0; j < UPDATES_PER_TX; j++) upd.run(payload(j), 1 + Math.floor(r() * rows));
  });
  const t0 = now();
  for (let i = 0; i < UPDATE_TX; i++) tx();
  return ((now() - t0) * 1000) / (UPDATE_TX * UPDATES_PER_TX);
}

function runSqlite(engine: string, path: string, openDb: () => Db, opts: Options): Result {
  const rows = rowsFor(opts.sizeMb);
  let db = openDb();
  configure(db);
  const insertRowsPerSec = insertAll(db, rows);
  db.close();
  db = openDb(); // a fresh connection: SQLite's cache is cold, the file is in the OS cache
  configure(db);
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.prepare('SELECT sum(length(payload)) FROM t').pluck().get(); // warm the OS cache
  const pointReadUs = pointReads(db, rows, opts.reads);
  const scanUsPerPage = fullScan(db, pages);
  const updateUsPerRow = updates(db, rows);
  db.close();
  return { engine, insertRowsPerSec, pointReadUs, scanUsPerPage, updateUsPerRow, pages, fileMb: statSync(path).size / 1048576 };
}

// ---------- Turso ----------

type TursoModule = typeof import('@tursodatabase/database');

async function loadTurso(): Promise<TursoModule | null> {
  try {
    return await import('@tursodatabase/database');
  } catch {
    return null;
  }
}

async function runTurso(turso: TursoModule, path: string, opts: Options): Promise<Result> {
  const rows = rowsFor(opts.sizeMb);
  const encryption = { cipher: 'aegis256' as const, hexkey: randomBytes(32).toString('hex') };
  let db = await turso.connect(path, { encryption });
  await db.exec(`PRAGMA cache_size = ${CACHE}`);
  await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
  const ins = await db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
  let t0 = now();
  for (let i = 0; i < rows; i += BATCH) {
    await db.exec('BEGIN');
    for (let j = i; j < Math.min(rows, i + BATCH); j++) await ins.run(j + 1, j * 7, payload(j));
    await db.exec('COMMIT');
  }
  await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const insertRowsPerSec = rows / ((now() - t0) / 1000);
  await db.close();

  db = await turso.connect(path, { encryption });
  await db.exec(`PRAGMA cache_size = ${CACHE}`);
  const pages = Number(((await db.get('PRAGMA page_count')) as Record<string, number>).page_count);
  const scanSql = 'SELECT sum(length(payload)) AS s FROM t';
  await db.get(scanSql);

  const get = await db.prepare('SELECT payload FROM t WHERE id = ?');
  let r = rng(42);
  t0 = now();
  for (let i = 0; i < opts.reads; i++) await get.get(1 + Math.floor(r() * rows));
  const pointReadUs = ((now() - t0) * 1000) / opts.reads;

  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    t0 = now();
    await db.get(scanSql);
    best = Math.min(best, now() - t0);
  }
  const scanUsPerPage = (best * 1000) / pages;

  const upd = await db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
  r = rng(7);
  t0 = now();
  for (let i = 0; i < UPDATE_TX; i++) {
    await db.exec('BEGIN');
    for (let j = 0; j < UPDATES_PER_TX; j++) await upd.run(payload(j), 1 + Math.floor(r() * rows));
    await db.exec('COMMIT');
  }
  const updateUsPerRow = ((now() - t0) * 1000) / (UPDATE_TX * UPDATES_PER_TX);
  await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.close();
  return { engine: 'turso aegis256', insertRowsPerSec, pointReadUs, scanUsPerPage, updateUsPerRow, pages, fileMb: statSync(path).size / 1048576 };
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
  console.log(`\ndatabase ~${plain.fileMb.toFixed(0)} MB (${plain.pages} pages of 4096 B), cache_size=${CACHE}, ${opts.reads} point reads\n`);
  const head = `${pad('engine', 22, true)} ${pad('insert rows/s', 14)} ${pad('x', 6)} ${pad('read µs', 9)} ${pad('x', 6)} ${pad('scan µs/pg', 11)} ${pad('x', 6)} ${pad('update µs/row', 14)} ${pad('x', 6)}`;
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-'));
  const wanted = (name: string) => !opts.only || opts.only.includes(name);
  const results: Result[] = [];
  const log = (s: string) => {
    if (!opts.json) process.stderr.write(s);
  };
  try {
    const plainPath = join(dir, 'plain.db');
    log('plain better-sqlite3 ... ');
    results.push(runSqlite('plain better-sqlite3', plainPath, () => new BetterSqlite3(plainPath), opts));
    rmSync(plainPath, { force: true });
    log('done\n');
    for (const spec of CIPHER_SPECS) {
      if (!wanted(spec.name)) continue;
      const path = join(dir, `${spec.name}.db`);
      const encryption = { cipher: spec.name, hexkey: randomBytes(spec.keySize).toString('hex') };
      log(`pageseal ${spec.name} ... `);
      results.push(runSqlite(`pageseal ${spec.name}`, path, () => open(path, { encryption }), opts));
      rmSync(path, { force: true });
      log('done\n');
    }
    const turso = opts.turso && wanted('turso') ? await loadTurso() : null;
    if (turso) {
      log('turso aegis256 ... ');
      results.push(await runTurso(turso, join(dir, 'turso.db'), opts));
      log('done\n');
    } else if (opts.turso && wanted('turso')) {
      log('@tursodatabase/database is not installed: Turso skipped\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.json) {
    const plain = results[0]!;
    console.log(JSON.stringify({ options: opts, results: results.map((r) => ({ ...r, ratios: ratios(r, plain) })) }, null, 2));
  } else {
    printTable(results, opts);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
