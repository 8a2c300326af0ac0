/**
 * Issue 7, "bad input gets a clear, typed error": the damaged inputs that used to end in SQLite's untyped
 * SQLITE_CORRUPT ("database disk image is malformed") on an encrypted database. Each class is built
 * deterministically and failed before its fix:
 *   - a main file shorter than page 1 says, where no -wal gives the size (the corruption fuzz's class: a
 *     WAL database whose -wal, left by a killed writer, holds no committed frame; or no log at all):
 *     SQLite fails before reading a missing page; the VFS recorded the first missing page;
 *   - page 1 itself cut short (named as missing, no longer "not in the encrypted page format");
 *   - pages that all authenticate but that SQLite finds inconsistent (the checkpoint of close() on a main
 *     file cut short; pages swapped in Turso's format, which does not bind page numbers).
 * Plain connections keep SQLite's error, and a wrong key stays a wrong key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, existsSync, readFileSync, realpathSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthenticationError, Database, explainError, FormatError, install, open, PagesealError } from '../src/index.js';
import { scratchDir, sha256File } from './helpers/files.js';
import { readPage, writePage } from './helpers/page-attacks.js';
import { thrown } from './helpers/run-script.js';

const HEXKEY = '5e'.repeat(32);
const enc = { encryption: { cipher: 'aegis256' as const, hexkey: HEXKEY } };
const PAGE = 4096;
let scratch: ReturnType<typeof scratchDir>;
let counter = 0;

beforeAll(() => {
  scratch = scratchDir('pageseal-corrupt-');
});
afterAll(() => scratch.cleanup());

function freshPath(): string {
  return join(scratch.dir, `db${++counter}.db`);
}

/** 400 rows of 1000 bytes: about 110 pages of 4 KiB. */
function fill(db: BetterSqlite3.Database): void {
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, x BLOB)');
  const ins = db.prepare('INSERT INTO t(x) VALUES (randomblob(1000))');
  db.transaction(() => {
    for (let i = 0; i < 400; i++) ins.run();
  })();
}

/** A closed encrypted database (or a plain one, `key` false) in `mode`, with no log left. */
function closedDb(mode: 'wal' | 'delete', key = true): string {
  const path = freshPath();
  const db = key ? open(path, enc) : new BetterSqlite3(path);
  db.pragma(`journal_mode = ${mode}`);
  fill(db);
  db.close();
  expect(existsSync(path + '-wal')).toBe(false);
  return path;
}

/** Copies the main file and its logs as they are now (as a crash leaves them) to a fresh path. */
function snapshot(from: string, logs: string[]): string {
  const to = freshPath();
  copyFileSync(from, to);
  for (const s of logs) if (existsSync(from + s)) copyFileSync(from + s, to + s);
  return to;
}

/** Opens with the key and reads every row; the error of whichever step failed, typed by explainError. */
function readAll(path: string): unknown {
  return thrown(() => {
    const db = open(path, enc);
    try {
      db.prepare('SELECT count(*), sum(length(x)) FROM t').raw().get();
    } catch (e) {
      throw explainError(e, path); // Statement methods are not wrapped
    } finally {
      db.close();
    }
  });
}

/** A FormatError CORRUPT that names the file (and `page`), says it is damage and not a wrong key, and what to do. */
function expectDamaged(e: unknown, path: string, page?: number): void {
  expect(e, String(e)).toBeInstanceOf(FormatError);
  const err = e as FormatError;
  expect(err.code).toBe('CORRUPT');
  expect(err.message).toContain(realpathSync(path));
  if (page !== undefined) expect(err.message).toContain(`page ${page} of ${realpathSync(path)}`);
  expect(err.message).toMatch(/not a wrong key/);
  expect(err.message).toMatch(/restore it from a backup/);
  expect(err.message).toMatch(/pageseal verify/);
  expect(err.message).not.toContain(HEXKEY);
  expect(((err as { cause?: { code?: string } }).cause ?? {}).code).toMatch(/^SQLITE_(CORRUPT|IOERR)/);
}

describe('a main file shorter than page 1 says, with no -wal commit giving the size', () => {
  it('WAL, beside the -wal of a killed writer that holds no committed frame (the fuzz class): typed at open, naming the first missing page', () => {
    const src = freshPath();
    const db = open(src, enc);
    db.pragma('journal_mode = wal');
    fill(db);
    db.pragma('wal_checkpoint(TRUNCATE)'); // every page in the main file, the -wal empty
    db.pragma('cache_size = 2');
    db.exec('BEGIN');
    db.exec('UPDATE t SET x = randomblob(1000)'); // the cache spills: frames in the -wal, none of them a commit
    const copy = snapshot(src, ['-wal']);
    db.exec('ROLLBACK');
    db.close();
    expect(statSync(copy + '-wal').size).toBeGreaterThan(PAGE);
    const pages = statSync(copy).size / PAGE;
    truncateSync(copy, Math.floor(pages / 2) * PAGE);
    const before = sha256File(copy);
    const e = thrown(() => open(copy, enc));
    expectDamaged(e, copy, Math.floor(pages / 2) + 1);
    expect((e as Error).message).toMatch(/is missing: the file is shorter than the database it holds/);
    expect(sha256File(copy)).toBe(before);
  });

  it.each([
    ['wal', 'at a page boundary', (size: number) => Math.floor(size / PAGE / 2) * PAGE],
    ['wal', 'inside a page', (size: number) => Math.floor(size / PAGE / 2) * PAGE + 1000],
    ['delete', 'at a page boundary', (size: number) => 10 * PAGE],
    ['delete', 'inside a page', (size: number) => size - 3 * PAGE - 100],
  ] as const)('%s mode, no log, cut %s: typed at open, naming the first missing page', (mode, _where, cut) => {
    const path = closedDb(mode);
    const len = cut(statSync(path).size);
    truncateSync(path, len);
    const before = sha256File(path);
    expectDamaged(thrown(() => open(path, enc)), path, Math.floor(len / PAGE) + 1);
    expect(sha256File(path)).toBe(before);
  });

  it('page 1 itself cut short is named as missing (it was "not in the encrypted page format")', () => {
    const path = closedDb('delete');
    truncateSync(path, 3000);
    const e = thrown(() => open(path, enc));
    expectDamaged(e, path, 1);
    expect((e as Error).message).not.toMatch(/not in the encrypted page format/);
  });

  it('on a connection keyed by PRAGMA, explainError(e) without a path names the file too (the VFS recorded it)', () => {
    const path = closedDb('wal');
    truncateSync(path, 20 * PAGE);
    install();
    const raw = new BetterSqlite3(path);
    try {
      raw.pragma(`cipher = 'aegis256'`);
      raw.pragma(`hexkey = '${HEXKEY}'`);
      const e = thrown(() => raw.prepare('SELECT count(*) FROM t').get());
      expect((e as { code?: string }).code).toBe('SQLITE_CORRUPT');
      expectDamaged(explainError(e), path, 21);
    } finally {
      raw.close();
    }
  });
});

describe('pages that authenticate but that SQLite finds inconsistent', () => {
  it("close() of a WAL database whose main file was cut: its checkpoint's SQLITE_CORRUPT is typed, the -wal kept", () => {
    const src = freshPath();
    const db = open(src, enc);
    db.pragma('journal_mode = wal');
    fill(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('INSERT INTO t(x) VALUES (randomblob(3000))'); // the database grows: page 1 (its size) is in the -wal
    const copy = snapshot(src, ['-wal']);
    db.close();
    truncateSync(copy, 10 * PAGE); // far less than the database the -wal's commit describes
    const wal = readFileSync(copy + '-wal');
    const reader = open(copy, enc); // page 1 comes from the -wal: the open succeeds
    expect(reader.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()).toBe(1);
    const e = thrown(() => reader.close());
    expect(reader.open).toBe(false);
    expectDamaged(e, copy);
    expect(((e as { cause?: { code?: string } }).cause ?? {}).code).toBe('SQLITE_CORRUPT');
    expect(readFileSync(copy + '-wal').equals(wal)).toBe(true);
  });

  it("Turso format: a table's root page copied over one of its leaves (it authenticates there): the query's SQLITE_CORRUPT is typed", () => {
    const path = closedDb('delete');
    const db = open(path, enc);
    const root = db.prepare(`SELECT rootpage FROM sqlite_schema WHERE name = 't'`).pluck().get() as number;
    const leaf = db.prepare('SELECT min(pageno) FROM dbstat WHERE name = ? AND pagetype = ?').pluck().get('t', 'leaf') as number;
    db.close();
    writePage(path, leaf, readPage(path, root, PAGE)); // the root is then reached again below itself: SQLite sees the loop
    const e = readAll(path);
    expect(e).toBeInstanceOf(PagesealError);
    expectDamaged(e, path);
    expect((e as Error).message).toMatch(/pages from different states/);
  });
});

describe('a main file found short is never written', () => {
  it('WAL: after a missing page, close() does not checkpoint into the cut file (it would fill the gap with zeros and drop the -wal)', async () => {
    const src = freshPath();
    const db = open(src, enc);
    db.pragma('journal_mode = wal');
    fill(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('UPDATE t SET x = randomblob(1000) WHERE id = 1'); // one commit in the -wal
    const copy = snapshot(src, ['-wal']);
    db.close();
    const pages = statSync(copy).size / PAGE;
    truncateSync(copy, statSync(copy).size - 100); // the last page cut short
    const files = () => [sha256File(copy), sha256File(copy + '-wal')];
    const before = files();
    const reader = open(copy, enc);
    const e = thrown(() => reader.prepare('SELECT sum(length(x)) FROM t').get());
    expectDamaged(explainError(e, copy), copy, pages);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    reader.close(); // its checkpoint is refused (a PagesealWarning saying the file is damaged): closed, nothing written
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(reader.open).toBe(false);
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/checkpoint was refused \(CORRUPT: .*page \d+ of .* is missing.*nothing was written to the file/s);
    expect(files()).toEqual(before);
    expectDamaged(readAll(copy), copy, pages); // still "missing", not a page of zeros failing authentication
    expect(files()).toEqual(before);
  });
});

describe('the errors for damaged pages say what to do', () => {
  /** Flips one bit of the stored file at `offset`. */
  function flip(path: string, offset: number): void {
    const bytes = readFileSync(path);
    bytes[offset]! ^= 0x10;
    writeFileSync(path, bytes);
  }

  it('a later page modified: AuthenticationError naming the page and file, saying to restore from a backup', () => {
    const path = closedDb('delete');
    flip(path, 30 * PAGE + 2000);
    const e = readAll(path);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).pageNumber).toBe(31);
    expect((e as Error).message).toContain(`page 31 of ${realpathSync(path)}`);
    expect((e as Error).message).toMatch(/modified or damaged: restore it from a backup \(`pageseal verify/);
  });

  it('page 1 modified: says to check the key and cipher first, then to restore from a backup', () => {
    const path = closedDb('delete');
    flip(path, 2000);
    const e = thrown(() => open(path, enc));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as Error).message).toMatch(/wrong key or cipher, or the page was modified: check the key and cipher; if they are right, the file is damaged: restore it from a backup/);
  });

  it('page 1 naming an impossible page size (a plaintext header byte): FormatError CORRUPT saying to restore from a backup', () => {
    const path = closedDb('delete');
    const bytes = readFileSync(path);
    bytes.writeUInt16BE(777, 16);
    writeFileSync(path, bytes);
    const e = thrown(() => open(path, enc));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/page 1 of .* is not in the encrypted page format \(damaged\): restore it from a backup/);
  });
});

describe('what is not retyped', () => {
  it('a plain database cut the same way keeps SQLite error (explainError with its path, and Database without a key)', () => {
    const path = closedDb('wal', false);
    truncateSync(path, 20 * PAGE);
    const raw = new BetterSqlite3(path);
    const e = thrown(() => raw.prepare('SELECT count(*) FROM t').get());
    raw.close();
    expect((e as { code?: string }).code).toBe('SQLITE_CORRUPT');
    expect(explainError(e, path)).toBe(e);
    const viaDatabase = thrown(() => new Database(path).prepare('SELECT count(*) FROM t'));
    expect(viaDatabase).not.toBeInstanceOf(PagesealError);
    expect((viaDatabase as { code?: string }).code).toBe('SQLITE_CORRUPT');
  });

  it('a wrong key on a cut file is still a wrong key (AuthenticationError, page 1), never CORRUPT', () => {
    const path = closedDb('wal');
    truncateSync(path, 20 * PAGE);
    const e = thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: '77'.repeat(32) } }));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).pageNumber).toBe(1);
    expect((e as Error).message).toMatch(/wrong key/);
  });
});
