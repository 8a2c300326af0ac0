/**
 * Regression tests from a review of the VFS shim (src/native/vfs): each test reproduces a defect that
 * was found and fixed, through the user's own better-sqlite3.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CipherName, openKeyed, testKey, vfs } from './helpers/native.js';

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
