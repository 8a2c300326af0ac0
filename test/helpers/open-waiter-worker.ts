/**
 * Run in a worker thread (through vite-node) by test/rekey-concurrent-open.test.ts: waits until the main
 * thread sets `signal[0]` (a SharedArrayBuffer), then opens `path` with its key (a long busy timeout, so it
 * waits for a lock another connection holds), reads the row count, writes a row, closes, and posts
 * { ok, count, wrote } or { ok: false, message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { open, type EncryptionOpts } from '../../src/index.js';

const { path, encryption, signal } = workerData as { path: string; encryption: EncryptionOpts; signal: SharedArrayBuffer };
Atomics.wait(new Int32Array(signal), 0, 0, 60_000);
try {
  const db = open(path, { encryption, timeout: 30_000 });
  try {
    const count = db.prepare('SELECT count(*) FROM t').pluck().get();
    db.prepare("INSERT INTO t(id, name, blob) VALUES (5000, 'from-worker', x'00')").run();
    parentPort!.postMessage({ ok: true, count, wrote: true });
  } finally {
    db.close();
  }
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message });
}
