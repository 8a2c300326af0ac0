/**
 * Several processes on one sealed WAL (issue 10): three writer processes and two reader processes share
 * one database; in each round one writer is killed with SIGKILL early, the others later. Afterwards:
 * every acknowledged transaction of every writer is there and whole, no reader ever saw a transaction
 * in part, every frame of the -wal continues the checksum chain over the file's bytes, and a copy of the
 * database with its live -wal (no -shm) recovers the same transactions.
 *
 * Usage: npm run check:processes -- [rounds, default 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkAcked, here, seeded, sleep, walChain, type Key } from './common.js';

const rounds = Number(process.argv[2] ?? 20);
const random = seeded(7);
const dir = mkdtempSync(join(tmpdir(), 'pageseal-procs-'));

interface Proc {
  child: ChildProcess;
  out: string;
  done: Promise<void>;
}

function start(path: string, key: Key, scenario: string, worker: number): Proc {
  const child = spawn(process.execPath, [join(here, 'child.js'), path, key.cipher, 'wal', scenario, '200'], {
    env: { ...process.env, PAGESEAL_HEXKEY: key.hexkey, PAGESEAL_WORKER: String(worker) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = { child, out: '', done: new Promise((r) => child.on('close', () => r())) };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.out += `stderr ${d}`));
  return p;
}

async function kill(p: Proc): Promise<void> {
  p.child.kill('SIGKILL');
  await p.done;
}

let acked = 0;
let lost = 0;
let partial = 0;
let readerPartial = 0;
let readerErrors = 0;
let reads = 0;
let frames = 0;
let chained = 0;
let copyLost = 0;
for (let i = 0; i < rounds; i++) {
  const cipher = ['aegis256', 'aes256gcm', 'aegis128x4'][i % 3]!;
  const key = { cipher, hexkey: randomBytes(cipher === 'aegis128x4' ? 16 : 32).toString('hex') };
  const path = join(dir, `p${i}.db`);
  const first = start(path, key, 'loop', 1); // creates the schema before the others come
  while (!first.out.includes('ready') && first.child.exitCode === null) await sleep(10);
  const writers = [first, start(path, key, 'loop', 2), start(path, key, 'loop', 3)];
  const readers = [start(path, key, 'read', 0), start(path, key, 'read', 0)];
  for (const p of [...writers, ...readers]) while (!p.out.includes('ready') && p.child.exitCode === null) await sleep(10);
  await sleep(150 + random() * 200);
  await kill(writers[Math.floor(random() * 3)]!);
  await sleep(150 + random() * 300);
  for (const w of writers) await kill(w);
  const copy = join(dir, `p${i}-copy.db`);
  copyFileSync(path, copy);
  if (existsSync(path + '-wal')) copyFileSync(path + '-wal', copy + '-wal');
  for (const r of readers) await kill(r);
  const ids = writers.flatMap((w) => [...w.out.matchAll(/^committed (\d+)$/gm)].map((m) => Number(m[1])));
  for (const r of readers) {
    readerPartial += (r.out.match(/^partial /gm) ?? []).length;
    readerErrors += (r.out.match(/^stderr /gm) ?? []).length;
    reads += Math.max(0, ...[...r.out.matchAll(/^reads (\d+)$/gm)].map((m) => Number(m[1])));
  }
  if (existsSync(copy + '-wal')) {
    const c = walChain(copy + '-wal');
    frames += c.frames;
    chained += c.chained;
  }
  const cc = checkAcked(copy, key, ids);
  copyLost += cc.lost.length;
  const c = checkAcked(path, key, ids);
  acked += ids.length;
  lost += c.lost.length;
  partial += c.partial.length + cc.partial.length;
  if (!c.ok || !cc.ok) console.error(`round ${i}: ${JSON.stringify({ c, cc })}`);
}
console.log('| rounds | writer processes | reader processes | acknowledged transactions | lost | seen in part (after) | reader reads | readers seeing a transaction in part | reader errors | -wal frames | frames matching the chain | lost in the copy with the live -wal |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
console.log(`| ${rounds} | 3 | 2 | ${acked} | ${lost} | ${partial} | ${reads} | ${readerPartial} | ${readerErrors} | ${frames} | ${chained} | ${copyLost} |`);
rmSync(dir, { recursive: true, force: true });
process.exit(lost + partial + readerPartial + readerErrors + copyLost === 0 && frames === chained ? 0 : 1);
