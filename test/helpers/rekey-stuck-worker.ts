/**
 * Run in a worker thread (through vite-node) by test/rekey-teardown.test.ts: opens `path` keyed by
 * `from` (through the encryption option, or PRAGMA cipher + hexkey on a Database opened without one),
 * starts db.rekey(to), and from its first onProgress call posts 'in-progress' and spins until the
 * worker is terminated: the rekey never finishes and no finally block of it runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Database, type EncryptionOpts } from '../../src/index.js';

const { path, from, to, viaPragma } = workerData as { path: string; from: { cipher: string; hexkey: string }; to: EncryptionOpts; viaPragma: boolean };
const db = viaPragma ? new Database(path) : new Database(path, { encryption: from as EncryptionOpts });
if (viaPragma) {
  db.pragma(`cipher = '${from.cipher}'`);
  db.pragma(`hexkey = '${from.hexkey}'`);
}
db.prepare('SELECT count(*) FROM t').pluck().get();
db.rekey(to, {
  onProgress: () => {
    parentPort!.postMessage('in-progress');
    for (;;) {
      // until terminated
    }
  },
});
parentPort!.postMessage('finished');
