/**
 * Runs pageseal's public API in a worker thread, for test/api-threads.test.ts. Started through
 * vite-node (as child-db.ts is in a process): `startWorker(job)` below runs
 * `new Worker(vite-node.mjs, { argv: [this file], workerData: job })`. The key travels in workerData,
 * never on a command line. The worker posts one message: `{ ok: true, ... }` or `{ ok: false, ... }`.
 *
 * Jobs:
 *   insert      opens, inserts rows first..last one per transaction (interleaving with other
 *               writers), closes; posts the row count it saw last
 *   wrong-key   opens with the given (wrong) key; posts the error, both as thrown (structured clone)
 *               and as { name, code, pageNumber, instanceofAuth, message } read inside the worker
 *   leave-open  opens, inserts rows first..last, posts, and ends WITHOUT closing the Database
 *   hold-open   as leave-open, but then stays alive until terminated (`startWorker(job, true)`)
 *   install-first  calls install() before anything else in the process did, then creates the
 *               database (WAL) with rows first..last and closes it
 *
 * Run as a process (`vite-node thread-db.ts install-first <db> <cipher> <first> <last>`, key in
 * PAGESEAL_TEST_HEXKEY), it checks the VFS is not installed yet, runs the install-first job in a
 * worker, then reads the rows on its main thread and prints `installed-before=<bool> count=<n>`.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { open, install, AuthenticationError } from '../../src/index.js';
import { isInstalled } from '../../src/api/install.js';
import { insertRows } from './pageseal.js';
import { SCHEMA } from './rows.js';
import type { CipherName } from '../../src/ciphers/types.js';

export interface ThreadJob {
  job: 'insert' | 'wrong-key' | 'leave-open' | 'hold-open' | 'install-first';
  path: string;
  cipher: CipherName;
  hexkey: string;
  first?: number;
  last?: number;
}

/**
 * Runs `job` in a new worker thread; resolves with its message once the worker has exited (with
 * `terminate`, the worker is terminated as soon as its message arrives).
 */
export function startWorker(job: ThreadJob, terminate = false): Promise<Record<string, unknown>> {
  const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
  const script = join(process.cwd(), 'test', 'helpers', 'thread-db.ts');
  return new Promise((resolve, reject) => {
    let message: Record<string, unknown> | undefined;
    const w = new Worker(viteNode, { argv: [script], workerData: job });
    w.on('message', (m) => {
      message = m;
      if (terminate) void w.terminate();
    });
    w.on('error', reject);
    w.on('exit', (code) => (message && (code === 0 || terminate) ? resolve(message) : reject(new Error(`worker exited ${code} without a result`))));
  });
}

function runInsert(j: ThreadJob): void {
  const db = open(j.path, { encryption: { cipher: j.cipher, hexkey: j.hexkey }, timeout: 30_000 });
  try {
    for (let id = j.first!; id <= j.last!; id++) insertRows(db, id, id);
    const count = db.prepare('SELECT count(*) FROM t').pluck().get();
    parentPort!.postMessage({ ok: true, count });
  } finally {
    db.close();
  }
}

function runWrongKey(j: ThreadJob): void {
  try {
    open(j.path, { encryption: { cipher: j.cipher, hexkey: j.hexkey }, timeout: 30_000 }).close();
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    const err = e as AuthenticationError;
    const seen = { name: err.name, code: err.code, pageNumber: err.pageNumber, instanceofAuth: e instanceof AuthenticationError, message: err.message };
    parentPort!.postMessage({ ok: false, seen, thrown: e });
  }
}

function runLeaveOpen(j: ThreadJob): void {
  const db = open(j.path, { encryption: { cipher: j.cipher, hexkey: j.hexkey }, timeout: 30_000 });
  insertRows(db, j.first!, j.last!);
  parentPort!.postMessage({ ok: true, count: db.prepare('SELECT count(*) FROM t').pluck().get() });
  // db is deliberately neither closed nor collected before the thread ends.
}

function runHoldOpen(j: ThreadJob): void {
  runLeaveOpen(j);
  setInterval(() => undefined, 1000); // until terminated
}

function runInstallFirst(j: ThreadJob): void {
  const before = isInstalled();
  install();
  const db = open(j.path, { encryption: { cipher: j.cipher, hexkey: j.hexkey } });
  try {
    db.pragma('journal_mode = wal');
    for (const sql of SCHEMA) db.exec(sql);
    insertRows(db, j.first!, j.last!);
  } finally {
    db.close();
  }
  parentPort!.postMessage({ ok: true, installedBefore: before });
}

const JOBS = { insert: runInsert, 'wrong-key': runWrongKey, 'leave-open': runLeaveOpen, 'hold-open': runHoldOpen, 'install-first': runInstallFirst };

async function mainProcess(): Promise<void> {
  const [job, path, cipher, first, last] = process.argv.slice(2) as [string?, string?, CipherName?, string?, string?];
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY;
  if (job !== 'install-first' || !path || !cipher || !hexkey) throw new Error('usage: thread-db.ts install-first <db> <cipher> <first> <last>');
  const installedBefore = isInstalled();
  const reply = await startWorker({ job, path, cipher, hexkey, first: Number(first), last: Number(last) });
  const db = open(path, { encryption: { cipher, hexkey }, readonly: true });
  try {
    const count = db.prepare('SELECT count(*) FROM t').pluck().get();
    process.stdout.write(`installed-before=${installedBefore} worker-saw-installed=${reply.installedBefore} count=${count}\n`);
  } finally {
    db.close();
  }
}

if (!isMainThread && workerData?.job) {
  JOBS[(workerData as ThreadJob).job](workerData as ThreadJob);
} else if (isMainThread && process.argv[2] === 'install-first') {
  void mainProcess();
}
