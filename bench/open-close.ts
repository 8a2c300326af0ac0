/**
 * Memory over open/close cycles: RSS growth per 10,000 open/close cycles of one database, for plain
 * better-sqlite3 and for pageseal (the same file layout, encrypted with aegis256). Each engine runs in its
 * own child process, so one's heap does not colour the other's. Each cycle opens the database, reads one
 * row and closes it. RSS and V8's heap size are sampled after a full GC (`--expose-gc`) at the start, after
 * the warm-up cycles and after the measured cycles, so the table shows both the warm-up window (where V8
 * sizes its heap for the workload: pageseal's open path allocates more, and registers each Database with a
 * FinalizationRegistry) and the steady state, split into the JS heap and everything outside it (native).
 *
 * Usage: npm run bench:open-close -- [--cycles 20000] [--warmup 20000] [--json]
 *
 * Target (issue 7, item 10): pageseal's growth within 2x of plain better-sqlite3's (measured window).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { open } from '../src/index.js';

const HEXKEY = '11'.repeat(32);

interface Sample {
  rss: number;
  heap: number;
}

interface Result {
  engine: string;
  cycles: number;
  warmup: number;
  rssStartMiB: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** RSS growth per 10,000 cycles over the warm-up window. */
  warmupGrowthPer10kMiB: number;
  /** RSS growth per 10,000 cycles over the measured window. */
  growthPer10kMiB: number;
  /** The part of it outside V8's heap (RSS minus heapTotal). */
  nativeGrowthPer10kMiB: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function sample(): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapTotal / 2 ** 20 };
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
    const start = sample();
    for (let i = 0; i < warmup; i++) cycle(engine, path);
    const before = sample();
    for (let i = 0; i < cycles; i++) cycle(engine, path);
    const after = sample();
    const r: Result = {
      engine,
      cycles,
      warmup,
      rssStartMiB: start.rss,
      rssBeforeMiB: before.rss,
      rssAfterMiB: after.rss,
      warmupGrowthPer10kMiB: warmup > 0 ? ((before.rss - start.rss) * 10_000) / warmup : 0,
      growthPer10kMiB: ((after.rss - before.rss) * 10_000) / cycles,
      nativeGrowthPer10kMiB: ((after.rss - after.heap - (before.rss - before.heap)) * 10_000) / cycles,
    };
    process.stdout.write(JSON.stringify(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const cycles = arg('cycles', 20_000);
  const warmup = arg('warmup', 20_000);
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
  // Growth at or below zero (RSS sampled after a GC moves by a few hundred KiB either way) counts as none.
  const ratio = Math.max(sealed.growthPer10kMiB, 0) / Math.max(plain.growthPer10kMiB, 0.05);
  const warmupRatio = Math.max(sealed.warmupGrowthPer10kMiB, 0) / Math.max(plain.warmupGrowthPer10kMiB, 0.05);
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ results, ratio, warmupRatio }, null, 2) + '\n');
    return;
  }
  console.log(`open/close cycles: ${warmup} warm-up, then ${cycles} measured (RSS in MiB after a full GC)`);
  console.log('engine      start  warmed     end  | per 10,000 cycles: warm-up   measured   (outside JS heap)');
  for (const r of results) {
    console.log(
      `${r.engine.padEnd(9)} ${r.rssStartMiB.toFixed(1).padStart(7)} ${r.rssBeforeMiB.toFixed(1).padStart(7)} ${r.rssAfterMiB.toFixed(1).padStart(7)}  |` +
        `${r.warmupGrowthPer10kMiB.toFixed(2).padStart(26)} ${r.growthPer10kMiB.toFixed(2).padStart(10)} ${r.nativeGrowthPer10kMiB.toFixed(2).padStart(12)}`,
    );
  }
  console.log(`pageseal / plain growth: measured window ${ratio.toFixed(2)}x, warm-up window ${warmupRatio.toFixed(2)}x`);
  console.log("(plain's growth floored at 0.05 MiB, a negative growth counted as 0; target <= 2x)");
}

main();
