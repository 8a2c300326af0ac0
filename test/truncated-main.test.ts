/**
 * Issue 7, item 5: a truncated main file is an error, never zeros. A page that the database (page 1's
 * header, or the -wal's committed size) says exists but the file does not fully hold fails with a typed
 * error; a main file of 0 bytes beside a -wal or hot journal that holds data is refused and both logs are
 * kept byte for byte. Each test failed before its fix.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainError, FormatError, open, type Database } from '../src/index.js';
import { thrown } from './helpers/run-script.js';

const enc = { encryption: { cipher: 'aes256gcm' as const, hexkey: '4d'.repeat(32) } };
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-trunc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  return join(dir, `db${++counter}.db`);
}

/** 400 rows of 1000 bytes: about 110 pages of 4 KiB. */
function fill(db: Database): void {
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, x BLOB)');
  const ins = db.prepare('INSERT INTO t(x) VALUES (randomblob(1000))');
  db.transaction(() => {
    for (let i = 0; i < 400; i++) ins.run();
  })();
}

/** Copies the main file and its logs as they are now (as a crash would leave them), to `to`. */
function snapshot(from: string, to: string, logs: string[]): void {
  copyFileSync(from, to);
  for (const s of logs) if (existsSync(from + s)) copyFileSync(from + s, to + s);
}

function readAll(path: string): unknown {
  const db = open(path, enc);
  try {
    return db.prepare('SELECT count(*), sum(length(x)) FROM t').raw().get();
  } catch (e) {
    throw explainError(e, path); // Statement methods are not wrapped
  } finally {
    db.close();
  }
}

describe('pages the file does not hold (WAL: the -wal says the database is larger)', () => {
  /** A WAL database whose -wal holds one commit (recording the database size), copied as a crash leaves it. */
  function walCopy(): string {
    const src = freshPath();
    const db = open(src, enc);
    db.pragma('journal_mode = wal');
    fill(db);
    db.pragma('wal_checkpoint(TRUNCATE)'); // every page in the main file
    db.exec('UPDATE t SET x = randomblob(1000) WHERE id = 1');
    const copy = freshPath();
    snapshot(src, copy, ['-wal']);
    db.close();
    return copy;
  }

  it('a last page cut short is an error naming the page, never a page of zeros (WAL)', () => {
    const copy = walCopy();
    const pages = statSync(copy).size / 4096;
    truncateSync(copy, statSync(copy).size - 100);
    const e = thrown(() => readAll(copy));
    expect(e, String(e)).toBeInstanceOf(FormatError);
    expect((e as FormatError).code).toBe('CORRUPT');
    expect((e as Error).message).toContain(`page ${pages} of `);
    expect((e as Error).message).toMatch(/is missing: the file is shorter/);
  });

  it('pages past the end of a main file cut in half are an error (WAL)', () => {
    const copy = walCopy();
    const kept = Math.floor(statSync(copy).size / 2 / 4096);
    truncateSync(copy, kept * 4096);
    // SQLite itself sees page 1's page count exceed the file (SQLITE_CORRUPT); the VFS recorded which page is missing.
    const e = thrown(() => readAll(copy));
    expect(e, String(e)).toBeInstanceOf(FormatError);
    expect((e as Error).message).toContain(`page ${kept + 1} of `);
    expect((e as Error).message).toMatch(/is missing: the file is shorter/);
  });

  it('a last page cut short is an error (rollback mode)', () => {
    const path = freshPath();
    const db = open(path, enc);
    fill(db);
    db.close();
    truncateSync(path, statSync(path).size - 100);
    const e = thrown(() => readAll(path));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/is missing: the file is shorter/);
  });
});

describe('a main file of 0 bytes beside a log that holds data', () => {
  it('beside a -wal: refused, the -wal kept byte for byte (SQLite would delete it and serve an empty database)', () => {
    const src = freshPath();
    const db = open(src, enc);
    db.pragma('journal_mode = wal');
    fill(db);
    const copy = freshPath();
    snapshot(src, copy, ['-wal']);
    db.close();
    truncateSync(copy, 0);
    const wal = readFileSync(copy + '-wal');
    expect(wal.length).toBeGreaterThan(4096);
    const e = thrown(() => readAll(copy));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/is empty but its -wal or hot journal holds data/);
    expect(readFileSync(copy + '-wal').equals(wal)).toBe(true);
    expect(statSync(copy).size).toBe(0);
  });

  it('beside a hot journal: refused, the journal kept byte for byte', () => {
    const src = freshPath();
    const db = open(src, enc);
    fill(db);
    db.pragma('synchronous = OFF'); // the journal header (with its magic) is written at once
    db.exec('BEGIN; DELETE FROM t WHERE id > 10');
    const copy = freshPath();
    snapshot(src, copy, ['-journal']); // as a crash mid-transaction leaves them
    db.exec('ROLLBACK');
    db.close();
    truncateSync(copy, 0);
    const journal = readFileSync(copy + '-journal');
    expect(journal.length).toBeGreaterThan(4096);
    const e = thrown(() => readAll(copy));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/is empty but its -wal or hot journal holds data/);
    expect(readFileSync(copy + '-journal').equals(journal)).toBe(true);
  });

  it('a new database still opens beside the journal of its own first transaction', () => {
    const path = freshPath();
    const db = open(path, enc);
    try {
      db.exec('BEGIN; CREATE TABLE t(x); INSERT INTO t VALUES (1)');
      const second = open(path, enc); // checks the size while the first holds RESERVED
      expect(() => second.prepare('SELECT 1').get()).not.toThrow();
      second.close();
      db.exec('COMMIT');
    } finally {
      db.close();
    }
    expect(readAll(path)).toEqual([1, 1]);
  });
});
