/**
 * The user-facing API over the VFS: open() and Database with every cipher, page size and journal
 * mode; typed errors that leave the file untouched; tamper detection through SQL; several
 * connections and processes; close() leaving the data in the main file alone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, openSync, readSync, writeSync, closeSync, existsSync } from 'node:fs';
import { inspect } from 'node:util';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  open,
  Database,
  explainError,
  AuthenticationError,
  FormatError,
  InvalidKeyError,
  InvalidOptionsError,
  UnknownCipherError,
  PagesealError,
  CIPHER_SPECS,
  findCipherSpec,
  install,
} from '../src/index.js';
import { runScript, thrown } from './helpers/run-script.js';
import { scratchDir, sha256File, sideFiles, sizeOf, randomHexKey, fileContains } from './helpers/files.js';
import { createEncrypted, insertRows, readEncrypted, readRows } from './helpers/pageseal.js';
import { SCHEMA, makeRow, expectedRowsSha256, rowsSha256 } from './helpers/rows.js';
import type { CipherName } from '../src/ciphers/types.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-api-');
});
afterEach(() => scratch.cleanup());

const keyFor = (cipher: string) => randomHexKey(findCipherSpec(cipher).keySize);

/** Asserts that an error and every way of printing it leave out the given hex keys. */
function expectNoKey(err: unknown, ...hexkeys: string[]): void {
  const shown = [String(err), (err as Error).message, (err as Error).stack ?? '', inspect(err, { depth: 5 }), JSON.stringify(err)].join('\n').toLowerCase();
  for (const k of hexkeys) {
    expect(shown).not.toContain(k.toLowerCase());
    expect(shown).not.toContain(k.slice(0, 16).toLowerCase());
  }
}


function readHeader(path: string): Buffer {
  const b = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  readSync(fd, b, 0, 100, 0);
  closeSync(fd);
  return b;
}

describe('install and class', () => {
  it('installs the VFS once per process; Database is a better-sqlite3 Database', () => {
    const vfs = install();
    expect(install()).toBe(vfs);
    expect(vfs.vfsInstalled()).toBe(true);
    const path = join(scratch.dir, 'cls.db');
    const db = open(path, { encryption: { cipher: 'aegis256', hexkey: keyFor('aegis256') } });
    expect(db).toBeInstanceOf(BetterSqlite3);
    expect(db).toBeInstanceOf(Database);
    expect(db.name).toBe(path);
    db.close();
    // A plain database in the same process passes through the VFS untouched.
    const plainPath = join(scratch.dir, 'plain.db');
    const plain = new BetterSqlite3(plainPath);
    plain.exec('CREATE TABLE p(x); INSERT INTO p VALUES (42)');
    plain.close();
    expect(readHeader(plainPath).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  });

  it('explainError returns unrelated errors unchanged', () => {
    const db = new Database(join(scratch.dir, 'x.db'));
    const err = thrown(() => db.prepare('SELECT * FROM no_such_table'));
    db.close();
    expect((err as { code?: string }).code).toBe('SQLITE_ERROR');
    expect(explainError(err)).toBe(err);
    const other = new Error('x');
    expect(explainError(other)).toBe(other);
  });
});

describe('round trips', () => {
  for (const spec of CIPHER_SPECS) {
    // 512 leaves SQLite's minimum of 480 usable bytes only with reserves of 28 or 32 bytes.
    const pageSizes = spec.reservedBytes <= 32 ? [512, 1024, 4096, 8192, 65536] : [1024, 4096, 8192, 65536];
    for (const pageSize of pageSizes) {
      for (const journalMode of ['wal', 'delete'] as const) {
        it(`${spec.name}, page size ${pageSize}, ${journalMode} journal`, () => {
          const path = join(scratch.dir, 'rt.db');
          const key = { cipher: spec.name, hexkey: keyFor(spec.name) };
          createEncrypted(path, { ...key, pageSize, journalMode, rows: 300 });

          // At rest: the Turso header, no plaintext row content, nothing beside the main file.
          const h = readHeader(path);
          expect(h.subarray(0, 5).toString('latin1')).toBe('Turso');
          expect(h[6]).toBe(spec.id);
          expect(h[20]).toBe(spec.reservedBytes);
          expect(h.readUInt16BE(16) === 1 ? 65536 : h.readUInt16BE(16)).toBe(pageSize);
          expect(fileContains(path, 'row-1')).toBe(false);
          expect(fileContains(path, makeRow(7).blob.subarray(0, 32))).toBe(false);
          expect(fileContains(path, 'CREATE TABLE')).toBe(false);
          expect(sideFiles(path).filter((f) => sizeOf(join(scratch.dir, f)) > 0)).toEqual([]);

          const db = new Database(path, { encryption: key });
          try {
            expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(300));
            expect(db.pragma('page_size', { simple: true })).toBe(pageSize);
            expect(db.pragma('journal_mode', { simple: true })).toBe(journalMode);
            expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
            // Writes after reopening (a second transaction on an existing file) read back too.
            insertRows(db, 301, 320);
          } finally {
            db.close();
          }
          expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(320));
        });
      }
    }
  }
});

describe('typed errors leave the file untouched', () => {
  function encryptedFile(journalMode: 'wal' | 'delete' = 'wal') {
    const path = join(scratch.dir, 'enc.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, journalMode, rows: 200 });
    return { path, key, sha: sha256File(path) };
  }

  for (const journalMode of ['wal', 'delete'] as const) {
    it(`wrong key: AuthenticationError on page 1 at open (${journalMode})`, () => {
      const { path, key, sha } = encryptedFile(journalMode);
      const wrong = keyFor('aegis256');
      const err = thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: wrong } }));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).pageNumber).toBe(1);
      expect((err as AuthenticationError).code).toBe('AUTHENTICATION_FAILED');
      expectNoKey(err, wrong, key.hexkey);
      expect(sha256File(path)).toBe(sha);
      expect(sideFiles(path)).toEqual([]);
      // The right key still works afterwards (the failed open left no registration behind).
      expect(readEncrypted(path, key)).toHaveLength(200);
    });
  }

  it('wrong cipher: FormatError CIPHER_MISMATCH, with a key of the same size or not', () => {
    const { path, key, sha } = encryptedFile();
    for (const cipher of ['aegis256x2', 'aes256gcm', 'aegis128l'] as const) {
      const hexkey = cipher === 'aegis128l' ? key.hexkey.slice(0, 32) : key.hexkey;
      const err = thrown(() => open(path, { encryption: { cipher, hexkey } }));
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).code).toBe('CIPHER_MISMATCH');
      expect((err as Error).message).toContain('aegis256');
      expectNoKey(err, key.hexkey);
    }
    expect(sha256File(path)).toBe(sha);
    expect(sideFiles(path)).toEqual([]);
  });

  it('a plain SQLite file opened with a key: FormatError NOT_ENCRYPTED', () => {
    const path = join(scratch.dir, 'plain.db');
    const plain = new BetterSqlite3(path);
    plain.pragma('journal_mode = wal');
    plain.exec(SCHEMA.join(';'));
    plain.close();
    const sha = sha256File(path);
    const hexkey = keyFor('aegis128l');
    const err = thrown(() => new Database(path, { encryption: { cipher: 'aegis128l', hexkey } }));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('NOT_ENCRYPTED');
    expectNoKey(err, hexkey);
    expect(sha256File(path)).toBe(sha);
    expect(sideFiles(path)).toEqual([]);
  });

  it('an encrypted file opened without a key: FormatError NOT_A_DATABASE at the first query', () => {
    const { path, sha } = encryptedFile();
    const db = new Database(path);
    const err = thrown(() => db.prepare('SELECT count(*) FROM t').get());
    db.close();
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('NOT_A_DATABASE');
    expect((err as Error).message).toMatch(/encrypted.*aegis256/);
    expect(sha256File(path)).toBe(sha);
    expect(sideFiles(path)).toEqual([]);

    // The user's own better-sqlite3 gives SQLite's error; explainError types it.
    const raw = new BetterSqlite3(path);
    const rawErr = thrown(() => raw.prepare('SELECT count(*) FROM t').get());
    raw.close();
    expect((rawErr as { code?: string }).code).toBe('SQLITE_NOTADB');
    const explained = explainError(rawErr, path);
    expect(explained).toBeInstanceOf(FormatError);
    expect((explained as FormatError).code).toBe('NOT_A_DATABASE');
    expect(sha256File(path)).toBe(sha);
  });

  it('a file that is not a database at all: FormatError NOT_A_DATABASE, file untouched', () => {
    const path = join(scratch.dir, 'junk.db');
    const fd = openSync(path, 'w');
    writeSync(fd, Buffer.alloc(8192, 0x5a));
    closeSync(fd);
    const sha = sha256File(path);
    const err = thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: keyFor('aegis256') } }));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('NOT_A_DATABASE');
    expect(sha256File(path)).toBe(sha);
  });

  it('bad options: typed errors that never show the key', () => {
    const path = join(scratch.dir, 'opts.db');
    const shortKey = 'ab'.repeat(16);
    const cases: [unknown, unknown, Function][] = [
      [path, { encryption: { cipher: 'aegis256', hexkey: shortKey } }, InvalidKeyError],
      [path, { encryption: { cipher: 'aegis256', hexkey: 'zz' + shortKey } }, InvalidKeyError],
      [path, { encryption: { cipher: 'rot13', hexkey: shortKey } }, UnknownCipherError],
      [path, { encryption: { hexkey: shortKey } }, InvalidOptionsError],
      [':memory:', { encryption: { cipher: 'aegis128l', hexkey: shortKey } }, InvalidOptionsError],
      ['', { encryption: { cipher: 'aegis128l', hexkey: shortKey } }, InvalidOptionsError],
      [3, { encryption: { cipher: 'aegis128l', hexkey: shortKey } }, InvalidOptionsError],
      [Buffer.alloc(0), { encryption: { cipher: 'aegis128l', hexkey: shortKey } }, InvalidOptionsError],
      [path, { encryption: { cipher: 'aegis128l', hexkey: shortKey }, nativeBinding: 'x' }, InvalidOptionsError],
    ];
    for (const [file, options, cls] of cases) {
      const err = thrown(() => new Database(file as string, options as object));
      expect(err).toBeInstanceOf(cls);
      expect(err).toBeInstanceOf(PagesealError);
      expectNoKey(err, shortKey);
    }
    expect(existsSync(path)).toBe(false);
  });
});

describe('tamper detection through SQL', () => {
  function tamper(path: string, offset: number): void {
    const fd = openSync(path, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] ^= 0x01;
    writeSync(fd, b, 0, 1, offset);
    closeSync(fd);
  }

  /** A database and the number of one leaf page of table t (from SQLite's dbstat). */
  function withLeafPage(cipher: CipherName) {
    const path = join(scratch.dir, 'tamper.db');
    const key = { cipher, hexkey: keyFor(cipher) };
    createEncrypted(path, { ...key, rows: 500 });
    const db = open(path, { encryption: key });
    const leaves = db.prepare("SELECT pageno FROM dbstat WHERE name = 't' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
    db.close();
    expect(leaves.length).toBeGreaterThan(3);
    return { path, key, page: leaves[Math.floor(leaves.length / 2)]! };
  }

  for (const cipher of ['aegis256', 'aes128gcm'] as const) {
    it(`${cipher}: a modified page N fails the query with AuthenticationError naming page N`, () => {
      const { path, key, page } = withLeafPage(cipher);
      tamper(path, (page - 1) * 4096 + 1000);
      const db = open(path, { encryption: key }); // page 1 is intact: the open succeeds
      try {
        // Statement methods are not wrapped: SQLite's error, explained by explainError.
        const raw = thrown(() => db.prepare('SELECT sum(length(blob)) FROM t').get());
        expect((raw as { code?: string }).code).toBe('SQLITE_IOERR_AUTH');
        const err = explainError(raw);
        expect(err).toBeInstanceOf(AuthenticationError);
        expect((err as AuthenticationError).pageNumber).toBe(page);
        expect((err as Error).message).toContain(`page ${page}`);
        expectNoKey(err, key.hexkey);
        // pragma/exec are wrapped: the typed error directly.
        const direct = thrown(() => db.pragma('integrity_check'));
        expect(direct).toBeInstanceOf(AuthenticationError);
        expect((direct as AuthenticationError).pageNumber).toBe(page);
        // Rows on intact pages still read.
        expect(db.prepare('SELECT name FROM t WHERE id = 1').pluck().get()).toBe('row-1');
      } finally {
        db.close();
      }
    });
  }

  it('a modified header byte fails the open with AuthenticationError on page 1, file unchanged', () => {
    const path = join(scratch.dir, 'hdr.db');
    const key = { cipher: 'aegis128x4', hexkey: keyFor('aegis128x4') } as const;
    createEncrypted(path, { ...key, rows: 50 });
    tamper(path, 60); // a plaintext header byte, authenticated as associated data
    const sha = sha256File(path);
    const err = thrown(() => open(path, { encryption: key }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).pageNumber).toBe(1);
    expect(sha256File(path)).toBe(sha);
    expect(sideFiles(path)).toEqual([]);
  });
});

describe('connections and processes', () => {
  it('several connections in one process share a WAL database', () => {
    const path = join(scratch.dir, 'multi.db');
    const key = { cipher: 'aegis128l', hexkey: keyFor('aegis128l') } as const;
    createEncrypted(path, { ...key, rows: 10 });
    const a = open(path, { encryption: key });
    const b = new Database(path, { encryption: key });
    const c = open(path, { encryption: key, readonly: true });
    try {
      insertRows(a, 11, 50);
      expect(b.prepare('SELECT count(*) FROM t').pluck().get()).toBe(50);
      insertRows(b, 51, 60);
      expect(c.prepare('SELECT count(*) FROM t').pluck().get()).toBe(60);
      // A connection with another key is refused and does not disturb the open ones.
      const wrong = keyFor('aegis128l');
      const err = thrown(() => open(path, { encryption: { cipher: 'aegis128l', hexkey: wrong } }));
      expect(err).toBeInstanceOf(AuthenticationError);
      expectNoKey(err, wrong, key.hexkey);
      a.close();
      expect(b.prepare('SELECT count(*) FROM t').pluck().get()).toBe(60);
      expect(rowsSha256(readRows(c))).toBe(expectedRowsSha256(60));
    } finally {
      for (const db of [a, b, c]) if (db.open) db.close();
    }
    expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(60));
  });

  it('other processes write to the same WAL database while this one holds it open', async () => {
    const path = join(scratch.dir, 'proc.db');
    const key = { cipher: 'aegis256x2', hexkey: keyFor('aegis256x2') } as const;
    createEncrypted(path, { ...key, rows: 100 });
    const db = open(path, { encryption: key });
    try {
      insertRows(db, 101, 150);
      const out = await runChild(path, key, 151, 250);
      expect(out).toContain('count=250');
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(250);
      // Two more processes at once, each committing its own range.
      await Promise.all([runChild(path, key, 251, 330), runChild(path, key, 331, 400)]);
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(400);
      insertRows(db, 401, 450);
    } finally {
      db.close();
    }
    expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(450));
  });
});

/** Runs test/helpers/child-db.ts in another Node process; resolves with its stdout. */
function runChild(path: string, key: { cipher: string; hexkey: string }, first: number, last: number): Promise<string> {
  return runScript('child-db.ts', [path, key.cipher, String(first), String(last)], { PAGESEAL_TEST_HEXKEY: key.hexkey });
}


describe('copies', () => {
  it('backup() and VACUUM INTO write encrypted copies while the destination is open with a key', async () => {
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    const src = join(scratch.dir, 'src.db');
    createEncrypted(src, { ...key, rows: 120 });
    const db = open(src, { encryption: key });
    const viaBackup = join(scratch.dir, 'backup.db');
    const viaVacuum = join(scratch.dir, 'vacuum.db');
    const destB = open(viaBackup, { encryption: key });
    const destV = open(viaVacuum, { encryption: key });
    try {
      await db.backup(viaBackup);
      db.exec(`VACUUM INTO '${viaVacuum}'`);
    } finally {
      destB.close();
      destV.close();
      db.close();
    }
    for (const path of [viaBackup, viaVacuum]) {
      expect(readHeader(path).subarray(0, 5).toString('latin1')).toBe('Turso');
      expect(fileContains(path, 'row-1')).toBe(false);
      expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(120));
    }
  });
});

describe('close()', () => {
  it('checkpoints the WAL so the main file alone holds the data', () => {
    const path = join(scratch.dir, 'ckpt.db');
    const key = { cipher: 'aes256gcm', hexkey: keyFor('aes256gcm') } as const;
    const db = open(path, { encryption: key });
    db.pragma('journal_mode = wal');
    db.exec(SCHEMA.join(';'));
    insertRows(db, 1, 300);
    expect(sizeOf(path + '-wal')).toBeGreaterThan(0);
    const other = open(path, { encryption: key }); // another connection keeps the WAL alive
    db.close();
    expect(sizeOf(path + '-wal')).toBeLessThanOrEqual(0);
    // Only the main file, copied alone, holds every row.
    const copy = join(scratch.dir, 'copy.db');
    copyFileSync(path, copy);
    expect(rowsSha256(readEncrypted(copy, key))).toBe(expectedRowsSha256(300));
    other.close();
  });

  it('a Database dropped without close() releases its key registration when collected', async () => {
    const path = join(scratch.dir, 'gc.db');
    const key = { cipher: 'aegis128l', hexkey: keyFor('aegis128l') } as const;
    createEncrypted(path, { ...key, rows: 20 });
    const out = await runScript(
      'child-gc.ts',
      [path, key.cipher],
      { PAGESEAL_TEST_HEXKEY: key.hexkey, PAGESEAL_TEST_OTHER_HEXKEY: keyFor('aegis128l') },
      { nodeArgs: ['--expose-gc'] },
    );
    expect(out.trim()).toBe('page 1');
  });

  it('PRAGMA cipher / hexkey on a connection opened without the option, as Turso does', () => {
    const path = join(scratch.dir, 'pragma.db');
    const key = { cipher: 'aegis128x2', hexkey: keyFor('aegis128x2') } as const;
    const db = new Database(path);
    db.pragma(`cipher = '${key.cipher}'`);
    db.pragma(`hexkey = '${key.hexkey}'`);
    db.exec(SCHEMA.join(';'));
    insertRows(db, 1, 40);
    db.close();
    expect(readHeader(path).subarray(0, 5).toString('latin1')).toBe('Turso');
    expect(fileContains(path, 'row-1')).toBe(false);
    expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(40));
    // And the pragma path reads it back with the user's plain better-sqlite3, once pageseal is installed.
    const raw = new BetterSqlite3(path);
    raw.pragma(`hexkey = '${key.hexkey}'`); // the other order works too
    raw.pragma(`cipher = '${key.cipher}'`);
    expect(raw.prepare('SELECT count(*) FROM t').pluck().get()).toBe(40);
    raw.close();
  });
});
