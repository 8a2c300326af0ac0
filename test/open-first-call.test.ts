/**
 * open() leaves the schema read to the first query when page 1 authenticated as the file opened
 * (src/api/database.ts). What is beside the main file is then first read by the caller's first call:
 * it must fail typed and change no byte of the main file, its -wal or its -journal, whatever that call
 * is. db.serialize() is not a query: SQLite's sqlite3_serialize copies a page it cannot read as zeros,
 * so it must be refused from the VFS's failure record, not from SQLite's return.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, copyFileSync, existsSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { open, explainError, AuthenticationError, FormatError, PagesealError } from '../src/index.js';
import { randomHexKey, scratchDir, sha256File } from './helpers/files.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-firstcall-');
});
afterEach(() => scratch.cleanup());

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
const other = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The main file and -wal of a WAL database with frames in its -wal (copied while a reader holds it). */
function walCopy(name: string, enc: typeof key | undefined, rows: number): string {
  const src = join(scratch.dir, `${name}.src`);
  const db = enc ? open(src, { encryption: enc }) : new BetterSqlite3(src);
  db.pragma('journal_mode = wal');
  db.exec('CREATE TABLE t(x)');
  const keep = enc ? open(src, { encryption: enc }) : new BetterSqlite3(src);
  keep.prepare('SELECT count(*) FROM t').pluck().get();
  for (let i = 0; i < rows; i++) db.prepare('INSERT INTO t VALUES (?)').run(`${name}-${i}`);
  const copy = join(scratch.dir, name);
  copyFileSync(src, copy);
  copyFileSync(`${src}-wal`, `${copy}-wal`);
  db.close();
  keep.close();
  return copy;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function files(path: string): string[] {
  return ['', '-wal', '-journal'].map((s) => (existsSync(path + s) ? sha256File(path + s) : 'none'));
}

const FIRST_CALLS: [string, (db: ReturnType<typeof open>) => unknown][] = [
  ['prepare', (db) => db.prepare('SELECT count(*) FROM t').pluck().get()],
  ['exec CREATE TABLE', (db) => db.exec('CREATE TABLE z(y)')],
  ['pragma journal_mode = wal', (db) => db.pragma('journal_mode = wal')],
  ['pragma journal_mode = delete', (db) => db.pragma('journal_mode = delete')],
  ['pragma user_version = 7', (db) => db.pragma('user_version = 7')],
  ['pragma wal_checkpoint(TRUNCATE)', (db) => db.pragma('wal_checkpoint(TRUNCATE)')],
  ['pragma integrity_check', (db) => db.pragma('integrity_check')],
  ['exec VACUUM', (db) => db.exec('VACUUM')],
  ['transaction', (db) => db.transaction(() => db.exec('CREATE TABLE z(y)'))()],
  ['serialize', (db) => db.serialize()],
];

describe("a -wal that is not the database's beside a main file whose page 1 authenticates", () => {
  for (const [label, call] of FIRST_CALLS) {
    it(`another key's -wal: the first call (${label}) fails typed and nothing is written`, () => {
      const path = walCopy('a.db', key, 2);
      copyFileSync(`${walCopy('b.db', other, 5)}-wal`, `${path}-wal`);
      const before = files(path);
      const db = open(path, { encryption: key });
      expect(thrown(() => call(db))).toBeInstanceOf(AuthenticationError);
      db.close();
      expect(files(path)).toEqual(before);
    });

    it(`a plain database's -wal: the first call (${label}) fails typed and nothing is written`, () => {
      const path = walCopy('a.db', key, 2);
      copyFileSync(`${walCopy('p.db', undefined, 5)}-wal`, `${path}-wal`);
      const before = files(path);
      const db = open(path, { encryption: key });
      expect(thrown(() => call(db))).toBeInstanceOf(FormatError);
      db.close();
      expect(files(path)).toEqual(before);
    });
  }
});

describe('db.serialize() of a damaged database', () => {
  it('throws AuthenticationError naming the page instead of returning it as zeros', () => {
    const path = join(scratch.dir, 'r.db');
    const db = open(path, { encryption: key });
    db.exec('CREATE TABLE t(x)');
    db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(10000)); // overflow pages past page 2
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(path, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, pageSize * 2 + 100);
    b[0] ^= 0x40;
    writeSync(fd, b, 0, 1, pageSize * 2 + 100); // page 3
    closeSync(fd);
    const d = open(path, { encryption: key });
    const e = thrown(() => d.serialize());
    d.close();
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).pageNumber).toBe(3);
  });

  it('still serializes a sound database, and a plain one', () => {
    const path = join(scratch.dir, 's.db');
    const db = open(path, { encryption: key });
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('a')");
    const image = db.serialize();
    db.close();
    const mem = new BetterSqlite3(image);
    expect(mem.prepare('SELECT x FROM t').pluck().get()).toBe('a');
    mem.close();
    const plain = open(join(scratch.dir, 'p.db'));
    plain.exec('CREATE TABLE t(x)');
    expect(plain.serialize().length).toBeGreaterThan(0);
    plain.close();
  });
});

describe('a file replaced after open() and before the first query (another process re-keyed it)', () => {
  // open() no longer reads the schema when page 1 authenticated, so a WAL connection holds no lock until
  // its first query and another process's rekey can rename a new file over the path in between. The
  // connection keeps the old file: the VFS refuses it a log (SQLITE_CANTOPEN) and SQLite refuses its
  // rollback-mode writes (SQLITE_READONLY_DBMOVED). Both must be typed, and the new file left alone.
  for (const mode of ['wal', 'delete'] as const) {
    it(`${mode}: the first write is refused with a typed error and the new file is unchanged`, () => {
      const path = join(scratch.dir, `${mode}.db`);
      const first = open(path, { encryption: key });
      first.pragma(`journal_mode = ${mode}`);
      first.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('old')");
      first.close();
      const db = open(path, { encryption: key }); // page 1 authenticated: nothing read yet, no lock held
      const copy = `${path}.new`;
      copyFileSync(path, copy);
      const rekeyer = open(copy, { encryption: key });
      rekeyer.rekey(other);
      rekeyer.close();
      renameSync(copy, path); // what a rekey's last step does
      const before = files(path);
      const err = thrown(() => db.prepare("INSERT INTO t VALUES ('lost?')").run());
      db.close();
      const typed = explainError(err, path);
      expect(typed).toBeInstanceOf(PagesealError);
      expect((typed as PagesealError).code).toBe('BUSY');
      expect((typed as Error).message).toMatch(/replaced after this connection opened it/);
      // The main file and any journal as they were; the VFS refuses the -wal after the platform VFS made
      // it, so an empty one may be left (SQLite reads an empty -wal as none).
      const after = files(path);
      expect([after[0], after[2]]).toEqual([before[0], before[2]]);
      expect([before[1], EMPTY_SHA256]).toContain(after[1]);
    });
  }
});
