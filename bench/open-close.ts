/**
 * Memory over open/close cycles (issue 7, item 10): RSS growth per 10,000 open/close cycles of one
 * database, plain better-sqlite3 beside pageseal (the same file layout, encrypted with aegis256). Each
 * engine runs in its own child process (`--expose-gc`), so one's heap does not colour the other's. Each
 * cycle opens the database, reads one row and closes it; the loop lets the event loop run every 1,000
 * cycles, as an application does between opens (Node runs Node-API finalizers, better-sqlite3's and
 * pageseal's, from the event loop; `--sync` never yields).
 *
 * Memory is sampled after a full GC at the start, after the warm-up and after the measured cycles, and
 * split into V8's heap (heapTotal) and everything outside it (RSS minus heapTotal: native memory, malloc).
 * The warm-up window is where V8 and malloc size themselves for the workload; the steady state is the
 * measured window after it.
 *
 * Usage: npm run bench:open-close -- [--cycles 20000] [--warmup 20000] [--sync] [--json]
 * Target: pageseal's growth within 2x of plain better-sqlite3's (small growths, under 0.5 MiB per
 * 10,000 cycles, are within the noise of RSS sampled after a GC and are not compared as ratios).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import BetterSqlite3 from 'better-sqlite3';
import { open } from '../src/index.js';

const HEXKEY = '11'.repeat(32);
const MIB = 2 ** 20;
/** Growth below this (MiB per 10,000 cycles) is noise: the ratio is taken against this floor. */
const NOISE = 0.5;

interface Sample {
  rss: number;
  heap: number;
  /** The live part of V8's heap (heapUsed after the GC). */
  used: number;
  /** V8's young generation, part of heap. */
  young: number;
}

/** Growth per 10,000 cycles over one window, in MiB. */
interface Growth {
  rss: number;
  /** V8's heap (heapTotal). */
  heap: number;
  /** Of it, live objects (heapUsed): the rest is space V8 keeps for the workload, not a leak. */
  live: number;
  /** Outside V8's heap (RSS minus heapTotal). */
  native: number;
}

interface Result {
  engine: string;
  rssStartMiB: number;
  rssWarmMiB: number;
  rssEndMiB: number;
  /** V8's young generation at the start, after the warm-up and at the end. */
  youngMiB: number[];
  warmup: Growth;
  steady: Growth;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function sample(): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  return { rss: m.rss / MIB, heap: m.heapTotal / MIB, used: m.heapUsed / MIB, young: young / MIB };
}

function growth(from: Sample, to: Sample, cycles: number): Growth {
  const per = (d: number): number => (cycles > 0 ? (d * 10_000) / cycles : 0);
  return { rss: per(to.rss - from.rss), heap: per(to.heap - from.heap), live: per(to.used - from.used), native: per(to.rss - to.heap - (from.rss - from.heap)) };
}

function openDb(engine: string, path: string): BetterSqlite3.Database {
  return engine === 'plain' ? new BetterSqlite3(path) : open(path, { encryption: { cipher: 'aegis256', hexkey: HEXKEY } });
}

async function cycles(engine: string, path: string, n: number, sync: boolean): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const db = openDb(engine, path);
    db.prepare('SELECT count(*) FROM t').pluck().get();
    db.close();
    if (!sync && i % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Runs in the child: creates the database, warms up, measures. */
async function child(engine: string, measured: number, warmup: number, sync: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-openclose-'));
  try {
    const path = join(dir, 'db.sqlite');
    const db = openDb(engine, path);
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES (1), (2), (3)');
    db.close();
    const start = sample();
    await cycles(engine, path, warmup, sync);
    const warm = sample();
    await cycles(engine, path, measured, sync);
    const end = sample();
    const r: Result = {
      engine,
      rssStartMiB: start.rss,
      rssWarmMiB: warm.rss,
      rssEndMiB: end.rss,
      youngMiB: [start.young, warm.young, end.young],
      warmup: growth(start, warm, warmup),
      steady: growth(warm, end, measured),
    };
    process.stdout.write(JSON.stringify(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pageseal's RSS growth over plain's, both floored at the noise level. */
function ratio(sealed: number, plain: number): number {
  return Math.max(sealed, NOISE) / Math.max(plain, NOISE);
}

async function main(): Promise<void> {
  const measured = arg('cycles', 20_000);
  const warmup = arg('warmup', 20_000);
  const sync = process.argv.includes('--sync');
  if (process.argv.includes('--child')) {
    await child(process.argv[process.argv.indexOf('--child') + 1]!, measured, warmup, sync);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  for (const engine of ['plain', 'pageseal']) {
    const args = ['--expose-gc', self, '--child', engine, '--cycles', String(measured), '--warmup', String(warmup)];
    if (sync) args.push('--sync');
    results.push(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 })) as Result);
  }
  const [plain, sealed] = results as [Result, Result];
  const ratios = { warmup: ratio(sealed.warmup.rss, plain.warmup.rss), steady: ratio(sealed.steady.rss, plain.steady.rss) };
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ warmup, cycles: measured, sync, results, ratios }, null, 2) + '\n');
    return;
  }
  const f = (x: number, w: number): string => x.toFixed(2).padStart(w);
  console.log(`open/close cycles: ${warmup} warm-up, then ${measured} measured${sync ? ' (never yielding to the event loop)' : ''}`);
  console.log('RSS after a full GC, MiB; growth in MiB per 10,000 cycles (rss = V8 heap + native, outside it;');
  console.log('live: the part of the V8 heap growth that is live objects)');
  console.log('engine      start  warmed     end |  warm-up: rss   heap (live) native |  steady: rss   heap (live) native');
  for (const r of results) {
    console.log(
      `${r.engine.padEnd(9)} ${f(r.rssStartMiB, 7)} ${f(r.rssWarmMiB, 7)} ${f(r.rssEndMiB, 7)} |` +
        `${f(r.warmup.rss, 13)} ${f(r.warmup.heap, 6)} (${f(r.warmup.live, 5)}) ${f(r.warmup.native, 6)} |` +
        `${f(r.steady.rss, 12)} ${f(r.steady.heap, 6)} (${f(r.steady.live, 5)}) ${f(r.steady.native, 6)}`,
    );
  }
  console.log(`pageseal / plain RSS growth: warm-up ${ratios.warmup.toFixed(2)}x, steady ${ratios.steady.toFixed(2)}x (target <= 2x;`);
  console.log(`growth under ${NOISE} MiB per 10,000 cycles counts as ${NOISE}, the noise of RSS sampled after a GC)`);
}

void main();
