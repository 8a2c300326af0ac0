/**
 * A worker thread terminated in the middle of db.rekey() (no JavaScript, no finally block runs in it
 * any more): the registrations the rekey made must go with the thread's environment, like every
 * other registration of that thread (src/native/vfs/napi_vfs.c), or the key stays in native memory and
 * the path stays bound to it for the life of the process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { open, AuthenticationError } from '../src/index.js';
import { scratchDir } from './helpers/files.js';
import { createEncrypted, readRows, randomKey, registrationStats } from './helpers/pageseal.js';
import { expectedRowsSha256, rowsSha256 } from './helpers/rows.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-rekey-teardown-');
});
afterEach(() => scratch.cleanup());

const key = randomKey;
const stats = registrationStats;

/** Runs the stuck rekey in a worker and terminates it once the copy has started. */
function terminatedMidRekey(data: Record<string, unknown>): Promise<string> {
  const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
  const script = join(process.cwd(), 'test', 'helpers', 'rekey-stuck-worker.ts');
  return new Promise((resolve, reject) => {
    let seen = 'nothing';
    const w = new Worker(viteNode, { argv: [script], workerData: data });
    w.on('message', (m) => {
      seen = String(m);
      if (m === 'in-progress') void w.terminate();
    });
    w.on('error', reject);
    w.on('exit', () => resolve(seen));
  });
}

describe('a worker terminated during db.rekey()', () => {
  for (const viaPragma of [false, true]) {
    it(`leaves no key registered (key from ${viaPragma ? 'PRAGMA hexkey' : 'the encryption option'}), and the database keeps its old key`, async () => {
      const path = join(scratch.dir, 'stuck.db');
      const from = key();
      createEncrypted(path, { ...from, rows: 200 });
      const before = stats();
      expect(await terminatedMidRekey({ path, from, to: key('aes256gcm'), viaPragma })).toBe('in-progress');
      expect(stats()).toEqual(before);
      // The path is not bound to the old key any more: another key meets the file (page 1), not a registration.
      const other = key();
      expect(() => open(path, { encryption: other })).toThrow(AuthenticationError);
      expect(() => open(path, { encryption: other })).toThrow(/page 1/);
      const db = open(path, { encryption: from, readonly: true });
      expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(200));
      db.close();
    });
  }
});
