/**
 * A rekey keeps what the database is besides its key: page size, auto-vacuum mode, text encoding,
 * and the file's mode, owner and group (docs/rekey.md). Each of these was lost before: the copy's
 * first (empty) transaction fixed page size 4096 and auto-vacuum off before they were copied, a
 * UTF-16 database could not be attached to a UTF-8 copy, db.rekey on a page size other than 4096
 * left its connection unable to read, and the renamed copy had the default mode and the rekeyer's
 * owner (a private database decrypted in place became world-readable).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, rekeyFile, type CipherName, type EncryptionOpts } from '../src/index.js';
import { fileContains, randomHexKey, scratchDir } from './helpers/files.js';

const key = (cipher: CipherName): EncryptionOpts => ({ cipher, hexkey: randomHexKey(cipher.includes('128') ? 16 : 32) });
const MARK = 'shape-row';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-rekey-shape-');
});
afterEach(() => scratch.cleanup());

interface Shape {
  pageSize: number;
  autoVacuum: number;
  encoding: string;
  journal: 'wal' | 'delete';
}

function stockDb(path: string, s: Shape): void {
  const db = new BetterSqlite3(path);
  db.pragma(`encoding = '${s.encoding}'`);
  db.pragma(`page_size = ${s.pageSize}`);
  db.pragma(`auto_vacuum = ${s.autoVacuum}`);
  db.pragma(`journal_mode = ${s.journal}`);
  db.exec(`CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 400) INSERT INTO t SELECT '${MARK}' || i FROM c`);
  db.close();
}

function shapeOf(db: BetterSqlite3.Database): unknown[] {
  return [db.pragma('page_size', { simple: true }), db.pragma('auto_vacuum', { simple: true }), db.pragma('encoding', { simple: true })];
}

const SHAPES: Shape[] = [
  { pageSize: 8192, autoVacuum: 1, encoding: 'UTF-8', journal: 'wal' },
  { pageSize: 1024, autoVacuum: 2, encoding: 'UTF-16le', journal: 'delete' },
  { pageSize: 65536, autoVacuum: 0, encoding: 'UTF-16be', journal: 'wal' },
];

describe('a rekey keeps page size, auto-vacuum and text encoding', () => {
  for (const s of SHAPES) {
    it(`page size ${s.pageSize}, auto_vacuum ${s.autoVacuum}, ${s.encoding}, ${s.journal}: rekeyFile, then db.rekey on the open connection`, () => {
      const path = join(scratch.dir, 'shape.db');
      stockDb(path, s);
      const k1 = key('aegis256');
      rekeyFile(path, { from: null, to: k1 });
      const db = open(path, { encryption: k1 });
      try {
        expect(shapeOf(db)).toEqual([s.pageSize, s.autoVacuum, s.encoding]);
        db.rekey(key('aes128gcm'));
        // The same connection reads on (it failed with SQLITE_IOERR_AUTH at any page size but 4096).
        expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(400);
        expect(shapeOf(db)).toEqual([s.pageSize, s.autoVacuum, s.encoding]);
      } finally {
        db.close();
      }
      expect(fileContains(path, MARK)).toBe(false);
    });
  }
});

describe('a rekey keeps the file mode, owner and group', () => {
  it('a 0600 database decrypted in place stays 0600 (and, as root, keeps its owner)', () => {
    const path = join(scratch.dir, 'private.db');
    stockDb(path, { pageSize: 4096, autoVacuum: 0, encoding: 'UTF-8', journal: 'delete' });
    const k = key('aegis256');
    rekeyFile(path, { from: null, to: k });
    chmodSync(path, 0o600);
    const root = process.getuid?.() === 0;
    if (root) chownSync(path, 65534, 65534);
    const before = statSync(path);
    rekeyFile(path, { from: k, to: null });
    const after = statSync(path);
    expect(after.mode & 0o7777).toBe(0o600);
    expect([after.uid, after.gid]).toEqual([before.uid, before.gid]);
    const db = open(path);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(400);
    db.close();
  });

  it('db.rekey keeps a 0640 mode', () => {
    const path = join(scratch.dir, 'group.db');
    stockDb(path, { pageSize: 4096, autoVacuum: 0, encoding: 'UTF-8', journal: 'wal' });
    chmodSync(path, 0o640);
    const db = open(path);
    try {
      db.rekey(key('aegis128l'));
    } finally {
      db.close();
    }
    expect(statSync(path).mode & 0o7777).toBe(0o640);
  });
});

describe('progress', () => {
  it('an onProgress that throws, at the first call or the last, does not stop the rekey', () => {
    for (const when of ['first', 'last'] as const) {
      const path = join(scratch.dir, `progress-${when}.db`);
      stockDb(path, { pageSize: 4096, autoVacuum: 0, encoding: 'UTF-8', journal: 'delete' });
      const k = key('aegis256');
      let calls = 0;
      rekeyFile(path, {
        from: null,
        to: k,
        onProgress: (done, total) => {
          calls++;
          if ((when === 'first' && done === 0) || (when === 'last' && done === total)) throw new Error('from the callback');
        },
      });
      expect(calls).toBeGreaterThanOrEqual(2);
      const db = open(path, { encryption: k });
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(400);
      db.close();
    }
  });
});
