/**
 * The public API from worker threads (each worker runs test/helpers/thread-db.ts), and the API's
 * behaviour on its less travelled paths: failed opens, double close, close() that cannot
 * checkpoint, read-only connections, and what printing a Database or its options shows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { copyFileSync, rmSync } from 'node:fs';
import { open, AuthenticationError, findCipherSpec } from '../src/index.js';
import { runScript, thrown } from './helpers/run-script.js';
import { scratchDir, sha256File, sideFiles, sizeOf, randomHexKey } from './helpers/files.js';
import { createEncrypted, insertRows, readRows } from './helpers/pageseal.js';
import { expectedRowsSha256, rowsSha256 } from './helpers/rows.js';
import { startWorker } from './helpers/thread-db.js';
import { loadAddon } from '../src/addon.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-thr-');
});
afterEach(() => scratch.cleanup());

const keyFor = (cipher: string) => randomHexKey(findCipherSpec(cipher).keySize);



describe('worker threads through the public API', () => {
  it('three workers and the main thread insert into one encrypted WAL database at once', async () => {
    const path = join(scratch.dir, 'shared.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 100 });
    const db = open(path, { encryption: key, timeout: 30_000 });
    try {
      const workers = [0, 1, 2].map((i) => startWorker({ job: 'insert', path, ...key, first: 101 + i * 100, last: 200 + i * 100 }));
      // The main thread writes too while the workers run (one transaction per row, yielding between them).
      for (let id = 401; id <= 450; id++) {
        insertRows(db, id, id);
        if (id % 5 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      const replies = await Promise.all(workers);
      for (const r of replies) expect(r.ok).toBe(true);
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(450);
      expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(450));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    const again = open(path, { encryption: key, readonly: true });
    expect(rowsSha256(readRows(again))).toBe(expectedRowsSha256(450));
    again.close();
  });

  for (const mainHasItOpen of [false, true]) {
    it(`a worker opening with a wrong key gets AuthenticationError page 1, file unchanged (main thread ${mainHasItOpen ? 'has it open' : 'does not'})`, async () => {
      const path = join(scratch.dir, 'wrong.db');
      const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
      createEncrypted(path, { ...key, rows: 30 });
      const held = mainHasItOpen ? open(path, { encryption: key, readonly: true }) : undefined;
      // (a read-only connection to a WAL database creates an empty -wal and the -shm, SQLite's way)
      const sha = sha256File(path);
      const sides = sideFiles(path).map((f) => [f, sha256File(join(scratch.dir, f))]);
      const wrong = keyFor('aegis256');
      const reply = await startWorker({ job: 'wrong-key', path, cipher: 'aegis256', hexkey: wrong });
      expect(reply.ok).toBe(false);
      // Inside the worker: the typed error.
      expect(reply.seen).toMatchObject({ name: 'AuthenticationError', code: 'AUTHENTICATION_FAILED', pageNumber: 1, instanceofAuth: true });
      // A structured clone across the thread boundary keeps the message, which names page 1, but
      // not the class name nor code/pageNumber (V8 clones errors as plain Error): post them explicitly.
      const cloned = reply.thrown as Error;
      expect(cloned).toBeInstanceOf(Error);
      expect(cloned.message).toBe((reply.seen as { message: string }).message);
      expect(cloned.message).toMatch(/page 1|already open/);
      const shown = [inspect(reply, { depth: 6 }), cloned.stack ?? ''].join('\n').toLowerCase();
      expect(shown).not.toContain(wrong.slice(0, 16));
      expect(shown).not.toContain(key.hexkey.slice(0, 16));
      expect(sha256File(path)).toBe(sha);
      expect(sideFiles(path).map((f) => [f, sha256File(join(scratch.dir, f))])).toEqual(sides);
      held?.close();
      // The right key still opens it in this thread.
      const db = open(path, { encryption: key });
      expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(30));
      db.close();
    });
  }

  it('a worker that ends without closing its Database leaves every committed row readable', async () => {
    const path = join(scratch.dir, 'left.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 50 });
    const reply = await startWorker({ job: 'leave-open', path, ...key, first: 51, last: 120 });
    expect(reply).toMatchObject({ ok: true, count: 120 });
    const db = open(path, { encryption: key });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(120));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('a worker terminated while its Database is open leaves every committed row readable', async () => {
    const path = join(scratch.dir, 'terminated.db');
    const key = { cipher: 'aegis128x4', hexkey: keyFor('aegis128x4') } as const;
    createEncrypted(path, { ...key, rows: 50 });
    const reply = await startWorker({ job: 'hold-open', path, ...key, first: 51, last: 150 }, true);
    expect(reply).toMatchObject({ ok: true, count: 150 });
    const db = open(path, { encryption: key });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(150));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('a worker that ends without closing does not keep its key registered for the path', async () => {
    // The worker's connection is closed by better-sqlite3 when the thread ends; its registration
    // must go with it, or the key stays in native memory and the path stays bound to it.
    const path = join(scratch.dir, 'rekeyed.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    const before = loadAddon()!.vfsStats();
    await startWorker({ job: 'leave-open', path, ...key, first: 11, last: 20 });
    // No key left in native memory once the worker is gone (this file's process holds no other).
    const after = loadAddon()!.vfsStats();
    expect([after.registeredPaths, after.liveKeys]).toEqual([before.registeredPaths, before.liveKeys]);
    // The file is replaced by a new database under another key: a fresh open must accept it.
    for (const f of [path, ...sideFiles(path).map((s) => join(scratch.dir, s))]) rmSync(f, { force: true });
    const other = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...other, rows: 5 });
    const db = open(path, { encryption: other });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(5));
    db.close();
  });

  it('a terminated worker (no JavaScript runs in it) does not keep its key registered either', async () => {
    const path = join(scratch.dir, 'terminated-key.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    const before = loadAddon()!.vfsStats();
    const reply = await startWorker({ job: 'hold-open', path, ...key, first: 11, last: 20 }, true);
    expect(reply).toMatchObject({ ok: true, count: 20 });
    const after = loadAddon()!.vfsStats();
    expect([after.registeredPaths, after.liveKeys]).toEqual([before.registeredPaths, before.liveKeys]);
  });

  it('install() called first from a worker installs the VFS for the whole process', async () => {
    const path = join(scratch.dir, 'first.db');
    const key = { cipher: 'aegis128l', hexkey: keyFor('aegis128l') } as const;
    const out = await runScript('thread-db.ts', ['install-first', path, key.cipher, '1', '40'], { PAGESEAL_TEST_HEXKEY: key.hexkey });
    expect(out.trim()).toBe('installed-before=false worker-saw-installed=false count=40');
    const db = open(path, { encryption: key, readonly: true });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(40));
    db.close();
  });
});

describe('Database objects and options never expose the key', () => {
  it('util.inspect of the Database and of the options, and the options after open', () => {
    const path = join(scratch.dir, 'inspect.db');
    const hexkey = keyFor('aegis256');
    const encryption = { cipher: 'aegis256', hexkey } as const;
    const options = { encryption, timeout: 1000 };
    const db = open(path, options);
    try {
      const shown = [inspect(db, { showHidden: true, depth: 8 }), JSON.stringify(db), String(db)].join('\n').toLowerCase();
      expect(shown).not.toContain(hexkey.slice(0, 16));
      // The user's option objects are neither kept on the instance nor changed.
      const own = [...Object.getOwnPropertyNames(db), ...Object.getOwnPropertySymbols(db)].map((k) => (db as unknown as Record<PropertyKey, unknown>)[k]);
      expect(own).not.toContain(encryption);
      expect(own).not.toContain(options);
      expect(options).toEqual({ encryption: { cipher: 'aegis256', hexkey }, timeout: 1000 });
    } finally {
      db.close();
    }
  });
});

describe('failure paths', () => {
  it('double close is harmless and a later open with another key is judged by the file', () => {
    const path = join(scratch.dir, 'double.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    const a = open(path, { encryption: key });
    const b = open(path, { encryption: key });
    a.close();
    a.close(); // must not drop b's registration
    const wrong = keyFor('aegis256');
    const err = thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: wrong } }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(b.prepare('SELECT count(*) FROM t').pluck().get()).toBe(10);
    b.close();
  });

  it('a failed open (better-sqlite3 refuses an option) holds no key', () => {
    const path = join(scratch.dir, 'badopt.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    expect(() => open(path, { encryption: key, timeout: -1 })).toThrow();
    // No registration left: the file is replaced under another key and opens.
    rmSync(path);
    const other = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...other, rows: 3 });
    const db = open(path, { encryption: other, readonly: true });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(3));
    db.close();
  });

  it('close() with a long reader on the database does not wait out the busy timeout', () => {
    const path = join(scratch.dir, 'reader.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 20 });
    const reader = open(path, { encryption: key });
    const writer = open(path, { encryption: key, timeout: 20_000 });
    writer.pragma('wal_autocheckpoint = 0');
    insertRows(writer, 21, 30);
    const rows = reader.prepare('SELECT id FROM t').iterate(); // holds a read snapshot over the WAL
    rows.next();
    insertRows(writer, 31, 40);
    const started = Date.now();
    writer.close(); // TRUNCATE cannot finish while the reader holds its snapshot: skipped, not waited for
    expect(Date.now() - started).toBeLessThan(10_000); // a hang check (the busy timeout is 20 s), not a speed figure
    expect(writer.open).toBe(false);
    rows.return!();
    expect(rowsSha256(readRows(reader))).toBe(expectedRowsSha256(40));
    reader.close();
  });

  it('close() refused while a statement iterates keeps the connection and its key registration', () => {
    const path = join(scratch.dir, 'iter.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 20 });
    const db = open(path, { encryption: key });
    const rows = db.prepare('SELECT id FROM t').iterate();
    rows.next();
    expect(() => db.close()).toThrow(/busy/);
    expect(db.open).toBe(true);
    // Still registered: another key is refused as a conflict with this open connection.
    const err = thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: keyFor('aegis256') } }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toMatch(/already open/);
    rows.return!();
    db.close();
    expect(db.open).toBe(false);
    // And the registration goes with the close that succeeded.
    const wrong = keyFor('aegis256');
    const after = thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: wrong } }));
    expect((after as Error).message).toMatch(/failed authentication/);
  });

  it('close() whose checkpoint fails for lack of space still closes, drops the key, keeps every row', async () => {
    const path = join(scratch.dir, 'full.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    const holder = open(path, { encryption: key }); // keeps the WAL alive while the child runs
    holder.pragma('wal_autocheckpoint = 0');
    insertRows(holder, 11, 3000); // about 1 MB of frames that the main file does not hold yet
    const limitKiB = Math.ceil(sizeOf(path) / 1024) + 16;
    const out = await runScript(
      'child-close.ts',
      [path, key.cipher],
      { PAGESEAL_TEST_HEXKEY: key.hexkey, PAGESEAL_TEST_OTHER_HEXKEY: keyFor('aegis256') },
      { fileSizeLimitKiB: limitKiB },
    );
    const [closeLine, afterLine] = out.trim().split('\n');
    expect(closeLine).toBe('close ok - - open=false'); // a warning instead of a throw (test/close-full-disk.test.ts)
    expect(afterLine).toBe('after AUTHENTICATION_FAILED'); // judged by the file, not refused as a conflict
    expect(rowsSha256(readRows(holder))).toBe(expectedRowsSha256(3000));
    holder.close();
    const db = open(path, { encryption: key, readonly: true });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(3000));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('a read-only connection writes nothing, at open, while reading, or at close', () => {
    const path = join(scratch.dir, 'ro.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    const writer = open(path, { encryption: key });
    writer.pragma('wal_autocheckpoint = 0');
    insertRows(writer, 11, 200); // frames in the -wal that a checkpoint would move
    const before = [path, path + '-wal'].map(sha256File);
    const ro = open(path, { encryption: key, readonly: true });
    expect(rowsSha256(readRows(ro))).toBe(expectedRowsSha256(200));
    ro.close();
    expect([path, path + '-wal'].map(sha256File)).toEqual(before);
    // As the last connection, on a copy of the files as a crash leaves them (no -shm, frames in the -wal).
    const copy = join(scratch.dir, 'ro-copy.db');
    copyFileSync(path, copy);
    copyFileSync(path + '-wal', copy + '-wal');
    writer.close();
    const last = open(copy, { encryption: key, readonly: true });
    expect(rowsSha256(readRows(last))).toBe(expectedRowsSha256(200));
    last.close();
    expect([copy, copy + '-wal'].map(sha256File)).toEqual(before);
  });
});

