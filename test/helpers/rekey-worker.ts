/**
 * Run in a worker thread (through vite-node) by test/rekey.test.ts: opens `path` with `from`,
 * rekeys it to `to` with db.rekey, reads the row count through the same connection, closes, and
 * posts { ok, count } or { ok: false, message }. Keys travel in workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Database, type EncryptionOpts } from '../../src/index.js';

const { path, from, to } = workerData as { path: string; from: EncryptionOpts; to: EncryptionOpts };
try {
  const db = new Database(path, { encryption: from });
  const count = db.prepare('SELECT count(*) FROM t').pluck();
  db.rekey(to);
  const n = count.get();
  db.close();
  parentPort!.postMessage({ ok: true, count: n });
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message });
}
