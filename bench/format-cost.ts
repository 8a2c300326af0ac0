/**
 * Paired cost of pageseal's page format against Turso's format, same cipher (issue 11: within 3%).
 * On a loaded machine a best-of-N over separate runs is dominated by noise, so this alternates the two
 * formats in short measurements (order ABBA within each pair of iterations) and reports the median of
 * the per-iteration ratios pageseal/turso with its interquartile range:
 *
 *   scan     full table scan on a fresh connection (SQLite cache cold, file in the OS cache), µs/page
 *   read     random point reads by rowid, µs/lookup
 *   insert   rows/s of 5,000-row transactions into the database (WAL)
 *   update   random-row updates, 20 transactions of 50 rows, µs/row (WAL: the updated pages are
 *            read back from the WAL when SQLite's 2 MB cache has dropped them)
 *
 * Times are CPU time of the process (user + system) unless --wall.
 *
 * Usage: npm run bench:format -- [--cipher aegis256] [--size-mb 40] [--iterations 15] [--wall] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { open, findCipherSpec, type EncryptionOpts } from '../src/index.js';
import { rng } from '../src/bench/rng.js';

const args = process.argv.slice(2);
const val = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const cipher = findCipherSpec(val('--cipher', 'aegis256')).name;
const sizeMb = Number(val('--size-mb', '40'));
const iterations = Number(val('--iterations', '15'));
const json = args.includes('--json');
const ROWS = Math.round((sizeMb * 1024 * 1024) / 430);
const READS = 50_000;
const payloads = Array.from({ length: 256 }, () => randomBytes(400));
/**
 * CPU time of this process (user + system, ms). The machine this was written on is shared by several
 * busy processes: wall time there measures the scheduler as much as the code, CPU time (the kernel's
 * exact per-task runtime) much less so. --wall measures wall time instead.
 */
const wall = args.includes('--wall');
const now = () => {
  if (wall) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Fmt = 'turso' | 'pageseal';
const hexkey = randomBytes(findCipherSpec(cipher).keySize).toString('hex');
const encOf = (f: Fmt): EncryptionOpts => (f === 'pageseal' ? { cipher, hexkey, format: 'pageseal' } : { cipher, hexkey });


function connect(path: string, f: Fmt) {
  const db = open(path, { encryption: encOf(f) });
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = normal');
  db.pragma('cache_size = -2000');
  return db;
}

function build(path: string, f: Fmt): void {
  const db = connect(path, f);
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
  const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) ins.run(i + 1, i * 7, payloads[i & 255]);
  })();
  db.close();
}

interface Sample {
  scan: number;
  read: number;
  insert: number;
  update: number;
}

let nextId = 10_000_000;
function measure(path: string, f: Fmt, seed: number): Sample {
  const db = connect(path, f);
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    let t0 = now();
    db.prepare('SELECT sum(length(payload)) FROM t').pluck().get();
    const scan = ((now() - t0) * 1000) / pages;
    const get = db.prepare('SELECT payload FROM t WHERE id = ?').pluck();
    const r = rng(seed);
    t0 = now();
    for (let i = 0; i < READS; i++) get.get(1 + Math.floor(r() * ROWS));
    const read = ((now() - t0) * 1000) / READS;
    const ins = db.prepare('INSERT INTO t(id, k, payload) VALUES (?, ?, ?)');
    t0 = now();
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) ins.run(nextId++, i, payloads[i & 255]);
    })();
    const insert = (now() - t0) / 5000; // ms per row (lower is better, like the others)
    const upd = db.prepare('UPDATE t SET k = k + 1, payload = ? WHERE id = ?');
    const ru = rng(seed + 1);
    t0 = now();
    for (let x = 0; x < 20; x++) db.transaction(() => {
      for (let j = 0; j < 50; j++) upd.run(payloads[j], 1 + Math.floor(ru() * ROWS));
    })();
    const update = ((now() - t0) * 1000) / 1000;
    return { scan, read, insert, update };
  } finally {
    db.close(); // checkpoints: every iteration starts from a WAL-less file
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quart = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-fmt-'));
  const paths = { turso: join(dir, 'turso.db'), pageseal: join(dir, 'pageseal.db') };
  const ratios: Record<keyof Sample, number[]> = { scan: [], read: [], insert: [], update: [] };
  try {
    build(paths.turso, 'turso');
    build(paths.pageseal, 'pageseal');
    for (const f of ['turso', 'pageseal'] as const) measure(paths[f], f, 1); // warm the OS cache
    for (let i = 0; i < iterations; i++) {
      const order: Fmt[] = i % 2 === 0 ? ['turso', 'pageseal'] : ['pageseal', 'turso'];
      const got = {} as Record<Fmt, Sample>;
      for (const f of order) got[f] = measure(paths[f], f, 100 + i);
      for (const k of Object.keys(ratios) as (keyof Sample)[]) ratios[k].push(got.pageseal[k] / got.turso[k]);
      if (!json) process.stderr.write('.');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = Object.fromEntries(
    (Object.keys(ratios) as (keyof Sample)[]).map((k) => [k, { median: median(ratios[k]), q1: quart(ratios[k], 0.25), q3: quart(ratios[k], 0.75) }]),
  );
  if (json) {
    console.log(JSON.stringify({ cipher, sizeMb, iterations, summary }, null, 1));
    return;
  }
  const pct = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
  console.log(`\npageseal format vs Turso format, ${cipher}, ~${sizeMb} MB, ${iterations} paired iterations (ABBA order); ${wall ? 'wall' : 'CPU'} time ratio pageseal/turso`);
  console.log('| workload | median | interquartile range |');
  console.log('|---|---|---|');
  for (const [k, s] of Object.entries(summary)) console.log(`| ${k} | ${pct(s.median)} | ${pct(s.q1)} .. ${pct(s.q3)} |`);
  const all = Object.values(summary).every((s) => s.median <= 1.03);
  console.log(`target (every median within +3%): ${all ? 'met' : 'MISSED'}`);
}

main();
