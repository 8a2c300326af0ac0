/**
 * What open() proves before it returns (src/api/database.ts): the file SQLite opened took the key, and
 * either page 1 authenticated under it as the file opened (then the schema is left to the first query),
 * or the schema is read at once (a new file, page 1 restored from a log, a rollback journal beside it).
 * Either way a wrong key fails in open(), and damage past page 1 fails typed at the first read of it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, explainError, AuthenticationError } from '../src/index.js';
import { randomHexKey, scratchDir } from './helpers/files.js';
import { flipByte } from './helpers/golden.js';
import { thrown } from './helpers/run-script.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-openval-');
});
afterEach(() => scratch.cleanup());

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
const wrong = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };

function build(path: string, wal: boolean): void {
  const db = open(path, { encryption: key });
  if (wal) db.pragma('journal_mode = wal');
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
  const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 400; i++) ins.run('row-' + 'x'.repeat(200) + i);
  })();
  db.close();
}

describe('open() with a wrong key fails in open(), not at the first query', () => {
  it('rollback mode', () => {
    const path = join(scratch.dir, 'a.db');
    build(path, false);
    expect(thrown(() => open(path, { encryption: wrong }))).toBeInstanceOf(AuthenticationError);
  });

  it('beside a -wal holding frames (page 1 does not authenticate, the log is there: the schema is read at once)', () => {
    const path = join(scratch.dir, 'w.db');
    const db = open(path, { encryption: key });
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE t(x)');
    const keep = open(path, { encryption: key });
    expect(keep.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0); // holds the WAL open: close() leaves frames
    db.prepare('INSERT INTO t VALUES (?)').run(1);
    // Copy the main file and its -wal while frames are there (as a crash would leave them).
    const copy = join(scratch.dir, 'copy.db');
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    db.close();
    keep.close();
    expect(statSync(`${copy}-wal`).size).toBeGreaterThan(32);
    expect(thrown(() => open(copy, { encryption: wrong }))).toBeInstanceOf(AuthenticationError);
    const ok = open(copy, { encryption: key });
    expect(ok.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    ok.close();
  });
});

describe('damage past page 1', () => {
  it('opens (page 1 is sound), and the first read of the damaged page fails with AuthenticationError naming it (explainError)', () => {
    const path = join(scratch.dir, 'd.db');
    build(path, false);
    const pages = statSync(path).size / 4096;
    expect(pages).toBeGreaterThan(5);
    flipByte(path, (pages - 1) * 4096 + 100, 0x40); // the last leaf of t
    const db = open(path, { encryption: key });
    const e = explainError(thrown(() => db.prepare('SELECT v FROM t').all())); // Statement methods are not wrapped
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as AuthenticationError).pageNumber).toBe(pages);
    db.close();
    expect(existsSync(`${path}-journal`)).toBe(false);
  });
});
