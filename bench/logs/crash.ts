/**
 * Crash check of the sealed logs (issue 10): a writer (bench/logs/child.ts) is killed with SIGKILL at a
 * random moment, then stock better-sqlite3 WITHOUT pageseal opens the files, runs a query and closes
 * (as a person running `sqlite3 app.db` after a crash would: SQLite recovers the -wal or plays the hot
 * journal back, and checkpoints on close), then pageseal opens with the key: every acknowledged
 * transaction must be there, none in part, integrity_check ok.
 *
 * Usage: npm run check:crash -- [rounds per mode, default 100] [--seed N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkAcked, runAndKill, seeded, stockQuery, type Key } from './common.js';

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 100);
const seedAt = args.indexOf('--seed');
const random = seeded(seedAt >= 0 ? Number(args[seedAt + 1]) : 10);
const dir = mkdtempSync(join(tmpdir(), 'pageseal-crash-logs-'));
const CIPHERS = ['aegis256', 'aes256gcm', 'aegis128x4'];

interface Row {
  mode: string;
  rounds: number;
  acked: number;
  lost: number;
  partial: number;
  badIntegrity: number;
  logLeft: number;
  stock: Map<string, number>;
}

async function run(mode: 'wal' | 'delete'): Promise<Row> {
  const row: Row = { mode, rounds, acked: 0, lost: 0, partial: 0, badIntegrity: 0, logLeft: 0, stock: new Map() };
  let path = '';
  let key: Key = { cipher: '', hexkey: '' };
  for (let i = 0; i < rounds; i++) {
    if (i % 10 === 0) { // a fresh database now and then, so it does not only grow
      path = join(dir, `${mode}-${i}.db`);
      const cipher = CIPHERS[(i / 10) % CIPHERS.length]!;
      key = { cipher, hexkey: randomBytes(cipher.startsWith('aegis128') ? 16 : 32).toString('hex') };
    }
    const ms = 20 + Math.floor(random() * 300);
    // WAL: automatic checkpoints at small sizes too, so kills land inside checkpoints as well
    const acked = await runAndKill(path, key, mode, ms, String([0, 20, 1000][i % 3]));
    try {
      const log = statSync(path + (mode === 'wal' ? '-wal' : '-journal'));
      if (log.size > 0) row.logLeft++; // a live -wal, or a journal (hot when its header is complete)
    } catch {
      // no log left at this moment
    }
    const stock = stockQuery(path);
    row.stock.set(stock, (row.stock.get(stock) ?? 0) + 1);
    const c = checkAcked(path, key, acked);
    row.acked += acked.length;
    row.lost += c.lost.length;
    row.partial += c.partial.length;
    if (c.integrity !== 'ok') row.badIntegrity++;
    if (!c.ok) console.error(`${mode} round ${i}: ${JSON.stringify({ ...c, lost: c.lost.slice(0, 5) })}`);
  }
  return row;
}

const rows = [await run('wal'), await run('delete')];
console.log('| mode | kills | kills leaving a non-empty log | acknowledged transactions | lost | seen in part | integrity_check failures | stock better-sqlite3 said |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const stock = [...r.stock].map(([k, v]) => `${k} x${v}`).join(', ');
  console.log(`| ${r.mode} | ${r.rounds} | ${r.logLeft} | ${r.acked} | ${r.lost} | ${r.partial} | ${r.badIntegrity} | ${stock} |`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(rows.every((r) => r.lost === 0 && r.partial === 0 && r.badIntegrity === 0) ? 0 : 1);
