/**
 * db.rekey() while another thread opens the same database with its (old) key. The other connection's
 * open registers the old key for the path and then waits for the rekey's lock; if the rekey renamed its
 * copy over the database then, the old key would still be registered for the path, the new one could not
 * be, and the rekeyed connection could not follow its file ("was re-keyed, but this connection could not
 * follow it"), while the other connection read the replaced file. The rekey must instead be refused,
 * nothing changed, and both connections go on under the old key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { open, install, PagesealError, findCipherSpec, type CipherName } from '../src/index.js';
import { loadAddon } from '../src/addon.js';
import { scratchDir, randomHexKey } from './helpers/files.js';
import { createEncrypted } from './helpers/pageseal.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-rekey-concurrent-');
});
afterEach(() => scratch.cleanup());

const key = (cipher: CipherName = 'aegis256') => ({ cipher, hexkey: randomHexKey(findCipherSpec(cipher).keySize) });
const native = () => loadAddon() as unknown as { openMainFiles(path: string): number; vfsStats(): { registeredPaths: number; liveKeys: number } };

describe('db.rekey() while another thread opens the database', () => {
  it('is refused, nothing changed, when the other open started during the copy', async () => {
    const path = join(scratch.dir, 'busy.db');
    const before = native().vfsStats();
    const k1 = key();
    createEncrypted(path, { ...k1, rows: 30, journalMode: 'delete' });
    const signal = new SharedArrayBuffer(4);
    const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
    const script = join(process.cwd(), 'test', 'helpers', 'open-waiter-worker.ts');
    const worker = new Worker(viteNode, { argv: [script], workerData: { path, encryption: k1, signal } });
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.on('message', resolve);
      worker.on('error', reject);
    });
    const exited = new Promise((resolve) => worker.on('exit', resolve));
    const a = open(path, { encryption: k1 });
    let otherOpened = false;
    let refused: unknown;
    try {
      a.rekey(key('aes256gcm'), {
        onProgress: (done) => {
          if (done !== 0 || otherOpened) return;
          // Let the worker open now, and wait until its main file is open (it then waits for the copy's lock).
          Atomics.store(new Int32Array(signal), 0, 1);
          Atomics.notify(new Int32Array(signal), 0);
          const until = Date.now() + 30_000;
          const pause = new Int32Array(new SharedArrayBuffer(4));
          while (native().openMainFiles(path) < 3 && Date.now() < until) Atomics.wait(pause, 0, 0, 5);
          otherOpened = native().openMainFiles(path) >= 3;
        },
      });
    } catch (e) {
      refused = e;
    }
    expect(otherOpened).toBe(true);
    expect(refused).toBeInstanceOf(PagesealError);
    expect((refused as PagesealError).code).toBe('BUSY');
    expect((refused as Error).message).toMatch(/nothing was changed/);
    // Both connections go on under the old key, on the same file.
    expect(await reply).toEqual({ ok: true, count: 30, wrote: true });
    await exited;
    expect(a.prepare('SELECT count(*) FROM t').pluck().get()).toBe(31);
    a.prepare("INSERT INTO t(id, name, blob) VALUES (6000, 'after', x'00')").run();
    a.close();
    const again = open(path, { encryption: k1, readonly: true });
    expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(32);
    again.close();
    expect(native().vfsStats()).toMatchObject({ registeredPaths: before.registeredPaths, liveKeys: before.liveKeys });
  });

  it('still moves the connection to its re-keyed file when the old key got registered again after the last check', () => {
    // What a connection of another thread leaves when its open registers the old key between the check
    // before the rename and the rename (its hand-off pending, or its file opened a moment later): the
    // new key cannot be registered for the path then. Simulated here with a registration made from
    // onProgress, which the check (open files) does not see.
    const path = join(scratch.dir, 'late.db');
    const before = native().vfsStats();
    const k1 = key();
    createEncrypted(path, { ...k1, rows: 12, journalMode: 'wal' });
    const a = open(path, { encryption: k1 });
    const k2 = key('aegis128l');
    let stale: string | undefined;
    a.rekey(k2, {
      onProgress: () => {
        stale ??= install().registerKey(path, findCipherSpec(k1.cipher).id, Buffer.from(k1.hexkey, 'hex'));
      },
    });
    expect(stale).toBeDefined();
    // The connection works on the new file, under the new key.
    a.prepare("INSERT INTO t(id, name, blob) VALUES (7000, 'late', x'00')").run();
    expect(a.prepare('SELECT count(*) FROM t').pluck().get()).toBe(13);
    expect(install().unregisterKey(stale!)).toBe(true);
    a.close();
    const again = open(path, { encryption: k2, readonly: true });
    expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(13);
    again.close();
    expect(() => open(path, { encryption: k1 })).toThrow(/aegis128l/);
    expect(native().vfsStats()).toMatchObject({ registeredPaths: before.registeredPaths, liveKeys: before.liveKeys });
  });
});
