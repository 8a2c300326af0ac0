/**
 * Regression tests from a review of the VFS shim (src/native/vfs): each test reproduces a defect that
 * was found and fixed, through the user's own better-sqlite3.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CipherName, openKeyed, testKey, vfs } from './helpers/native.js';
import { explainError, InvalidKeyError } from '../src/index.js';

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-review-'));
  vfs();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  return join(dir, `db${++counter}.db`);
}

function reopen(path: string, cipher: CipherName): Database.Database {
  return openKeyed(path, cipher, testKey(cipher));
}

describe('values larger than a page (overflow pages)', () => {
  // SQLite reads overflow pages straight from the file, in part (usable size, not a page), when the
  // file reports SQLITE_IOCAP_SUBPAGE_READ and the page is neither cached nor in the WAL.
  for (const mode of ['delete', 'wal'] as const) {
    it(`reads a 100 kB blob back from a fresh connection (${mode})`, () => {
      const path = freshPath();
      const blob = Buffer.alloc(100_000);
      for (let i = 0; i < blob.length; i++) blob[i] = (i * 13) & 0xff;
      let db = reopen(path, 'aegis256');
      db.pragma(`journal_mode = ${mode}`);
      db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)');
      db.prepare('INSERT INTO t(b) VALUES (?)').run(blob);
      db.close(); // checkpoints a WAL: the overflow pages are then only in the database file
      db = reopen(path, 'aegis256');
      try {
        const row = db.prepare('SELECT b FROM t WHERE id = 1').get() as { b: Buffer };
        expect(Buffer.compare(row.b, blob)).toBe(0);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    });
  }
});

describe('values larger than a page, key given by PRAGMA', () => {
  it('reads a 100 kB blob back through a connection keyed by PRAGMA cipher/hexkey', () => {
    const path = freshPath();
    const blob = Buffer.alloc(100_000, 7);
    const hexkey = testKey('aes256gcm').toString('hex');
    const open = (): Database.Database => {
      const db = new Database(path);
      db.pragma("cipher = 'aes256gcm'");
      db.pragma(`hexkey = '${hexkey}'`);
      return db;
    };
    let db = open();
    db.pragma('journal_mode = delete');
    db.exec('CREATE TABLE t(b BLOB)');
    db.prepare('INSERT INTO t VALUES (?)').run(blob);
    db.close();
    db = open();
    try {
      const row = db.prepare('SELECT b FROM t').get() as { b: Buffer };
      expect(Buffer.compare(row.b, blob)).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('PRAGMA cipher or hexkey alone', () => {
  const MARKER = 'REVIEW-PLAINTEXT-MARKER';
  const hexkey = 'ab'.repeat(32);

  function fileHas(path: string): boolean {
    return existsSync(path) && readFileSync(path).includes(Buffer.from(MARKER));
  }

  // A connection given half a key configuration meant to encrypt: it used to write plaintext silently.
  for (const given of ["hexkey = '" + hexkey + "'", "cipher = 'aegis256'", "cipher = 'aegis256'; hexkey = 'abcd'"]) {
    for (const mode of ['delete', 'wal'] as const) {
      it(`writes nothing after only ${given.replace(hexkey, '<key>')} (${mode})`, () => {
        const path = freshPath();
        const db = new Database(path);
        let err: unknown;
        for (const p of given.split('; ')) {
          try {
            db.pragma(p);
          } catch {
            /* a refused hexkey leaves the cipher pending */
          }
        }
        try {
          db.pragma(`journal_mode = ${mode}`);
          db.exec(`CREATE TABLE t(x); INSERT INTO t VALUES ('${MARKER}')`);
        } catch (e) {
          err = e;
        } finally {
          db.close();
        }
        expect((err as { code?: string } | undefined)?.code).toBe('SQLITE_IOERR_WRITE');
        expect(vfs().lastFailure()?.kind).toBe('key-incomplete');
        expect(explainError(err, path)).toBeInstanceOf(InvalidKeyError);
        for (const f of [path, `${path}-wal`, `${path}-journal`]) expect(fileHas(f), f).toBe(false);
      });
    }
  }

  it('still writes an encrypted database once both pragmas are given (hexkey first)', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma(`hexkey = '${hexkey}'`);
    db.pragma("cipher = 'aegis256'");
    db.exec(`CREATE TABLE t(x); INSERT INTO t VALUES ('${MARKER}')`);
    db.close();
    expect(fileHas(path)).toBe(false);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('Turso');
  });
});

describe('PRAGMA cipher/hexkey after reading a plain database through its -wal', () => {
  // Page 1 and every page read came from the -wal (a writer still holds the database open, nothing is
  // checkpointed), so the main file was never read: the pragmas used to be accepted, and the next
  // write put an encrypted frame into a plain database's -wal ("database disk image is malformed").
  it('refuses the key and leaves the plain database intact', () => {
    const path = freshPath();
    const writer = new Database(path);
    try {
      writer.pragma('journal_mode = wal');
      writer.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('one')");
      const db = new Database(path);
      let refused = false;
      try {
        expect(db.prepare('SELECT x FROM t').all()).toEqual([{ x: 'one' }]);
        try {
          db.pragma("cipher = 'aegis256'");
          db.pragma(`hexkey = '${'ab'.repeat(32)}'`);
        } catch {
          refused = true;
        }
        try {
          db.prepare("INSERT INTO t VALUES ('two')").run();
        } catch {
          /* refused as well while a cipher is pending: either way nothing encrypted reaches the -wal */
        }
      } finally {
        db.close();
      }
      expect(refused).toBe(true);
      expect(writer.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((writer.prepare('SELECT x FROM t').all() as { x: string }[]).map((r) => r.x)).toContain('one');
    } finally {
      writer.close();
    }
  });
});
