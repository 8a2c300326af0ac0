/**
 * Native memory over open/close cycles: RSS growth per 10,000 open/close cycles of one database, for
 * plain better-sqlite3 and for pageseal (the same file layout, encrypted with aegis256). Each engine runs
 * in its own child process, so one's heap does not colour the other's. Each cycle opens the database,
 * reads one row and closes it; after a warm-up (so allocator pools and JIT settle), RSS is sampled before
 * and after the measured cycles, with a full GC before each sample (`--expose-gc`).
 *
 * Usage: npm run bench:open-close -- [--cycles 20000] [--warmup 2000] [--json]
 *
 * Target (issue 7, item 10): pageseal's growth within 2x of plain better-sqlite3's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { open } from '../src/index.js';

const HEXKEY = '11'.repeat(32);

interface Result {
  engine: string;
  cycles: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  growthPer10kMiB: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function rssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
}

function cycle(engine: string, path: string): void {
  const db = engine === 'plain' ? new BetterSqlite3(path) : open(path, { encryption: { cipher: 'aegis256', hexkey: HEXKEY } });
  db.prepare('SELECT count(*) FROM t').pluck().get();
  db.close();
}

/** Runs in the child: creates the database, warms up, measures. */
function child(engine: string, cycles: number, warmup: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-openclose-'));
  try {
    const path = join(dir, 'db.sqlite');
    const db = engine === 'plain' ? new BetterSqlite3(path) : open(path, { encryption: { cipher: 'aegis256', hexkey: HEXKEY } });
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES (1), (2), (3)');
    db.close();
    for (let i = 0; i < warmup; i++) cycle(engine, path);
    const before = rssMiB();
    for (let i = 0; i < cycles; i++) cycle(engine, path);
    const after = rssMiB();
    const r: Result = {
      engine,
      cycles,
      rssBeforeMiB: before,
      rssAfterMiB: after,
      growthPer10kMiB: ((after - before) * 10_000) / cycles,
    };
    process.stdout.write(JSON.stringify(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const cycles = arg('cycles', 20_000);
  const warmup = arg('warmup', 2_000);
  if (process.argv.includes('--child')) {
    child(process.argv[process.argv.indexOf('--child') + 1]!, cycles, warmup);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  for (const engine of ['plain', 'pageseal']) {
    const out = execFileSync(process.execPath, ['--expose-gc', self, '--child', engine, '--cycles', String(cycles), '--warmup', String(warmup)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    results.push(JSON.parse(out) as Result);
  }
  const [plain, sealed] = results as [Result, Result];
  const ratio = sealed.growthPer10kMiB / Math.max(plain.growthPer10kMiB, 0.05);
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ results, ratio }, null, 2) + '\n');
    return;
  }
  console.log(`open/close cycles: ${cycles} measured after ${warmup} warm-up cycles (RSS, MiB)`);
  console.log('engine     before    after   growth per 10,000 cycles');
  for (const r of results) {
    console.log(`${r.engine.padEnd(9)} ${r.rssBeforeMiB.toFixed(1).padStart(7)} ${r.rssAfterMiB.toFixed(1).padStart(8)} ${r.growthPer10kMiB.toFixed(2).padStart(10)}`);
  }
  console.log(`pageseal / plain growth: ${ratio.toFixed(2)}x (plain's growth floored at 0.05 MiB; target <= 2x)`);
}

main();
