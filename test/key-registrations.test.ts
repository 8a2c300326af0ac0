/**
 * Who holds a key registration (src/api/keys.ts, src/native/vfs/keys.c): a Database's belongs to its main
 * file and goes when SQLite closes that file; a tool's belongs to the JavaScript environment that made it.
 * Counted with the addon's vfsStats() (paths registered, keys alive in native memory): every way of
 * opening, failing to open, closing and rekeying must leave them as they were.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { open, install, AuthenticationError } from '../src/index.js';
import { scratchDir } from './helpers/files.js';
import { createEncrypted, randomKey, registrationStats } from './helpers/pageseal.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-regs-');
});
afterEach(() => scratch.cleanup());

const key = randomKey;
const stats = registrationStats;
const conflict = /already open/;

describe('key registrations', () => {
  it('a connection keeps its registration while close() is refused (a statement iterates), and drops it at the close that succeeds', () => {
    const path = join(scratch.dir, 'iter.db');
    const k = key();
    createEncrypted(path, { ...k, rows: 5 });
    const before = stats();
    const db = open(path, { encryption: k });
    const it = db.prepare('SELECT id FROM t').iterate();
    it.next();
    expect(() => db.close()).toThrow(/busy/);
    expect(db.open).toBe(true);
    expect(() => open(path, { encryption: key() })).toThrow(conflict);
    it.return?.();
    db.close();
    expect(stats()).toEqual(before);
  });

  it('a failed open leaves nothing registered, at whatever step it fails', () => {
    const k = key();
    const path = join(scratch.dir, 'good.db');
    createEncrypted(path, { ...k, rows: 3 });
    const plain = join(scratch.dir, 'plain.db');
    new BetterSqlite3(plain).exec('CREATE TABLE t(x)').close();
    const garbage = join(scratch.dir, 'garbage.db');
    writeFileSync(garbage, randomBytes(4096));
    mkdirSync(join(scratch.dir, 'dir'));
    const missing = join(scratch.dir, 'missing.db');
    const before = stats();
    const attempts: [string, () => unknown][] = [
      ['bad better-sqlite3 option', () => open(path, { encryption: k, timeout: -1 })],
      ['readonly, missing file', () => open(missing, { encryption: k, readonly: true })],
      ['fileMustExist, missing file', () => open(missing, { encryption: k, fileMustExist: true })],
      ['missing directory', () => open(join(scratch.dir, 'nodir', 'x.db'), { encryption: k })],
      ['a directory', () => open(join(scratch.dir, 'dir'), { encryption: k })],
      ['wrong key', () => open(path, { encryption: key() })],
      ['wrong cipher', () => open(path, { encryption: { cipher: 'aes256gcm', hexkey: k.hexkey } })],
      ['a plain database', () => open(plain, { encryption: k })],
      ['not a database', () => open(garbage, { encryption: k })],
    ];
    for (const [what, attempt] of attempts) {
      expect(attempt, what).toThrow();
      expect(stats(), what).toEqual(before);
    }
  });

  it('a symlink, a relative path and the real path share one registration, dropped by the last close', () => {
    const path = join(scratch.dir, 'real.db');
    const k = key();
    createEncrypted(path, { ...k, rows: 3 });
    symlinkSync(path, join(scratch.dir, 'link.db'));
    const before = stats();
    const a = open(join(scratch.dir, 'link.db'), { encryption: k });
    const b = open(relative(process.cwd(), path), { encryption: k });
    expect(stats()).toEqual([before[0]! + 1, before[1]! + 1]);
    expect(() => open(path, { encryption: key() })).toThrow(conflict);
    a.close();
    expect(() => open(path, { encryption: key() })).toThrow(conflict);
    b.close();
    expect(stats()).toEqual(before);
    expect(() => open(path, { encryption: key() })).toThrow(AuthenticationError);
  });

  it('db.rekey() moves the registration: plain -> encrypted -> other cipher -> plain, and reopening with the old key fails', () => {
    const path = join(scratch.dir, 'moves.db');
    new BetterSqlite3(path).exec('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)').close();
    const before = stats();
    const k1 = key();
    const k2 = key('aes128gcm');
    const db = open(path);
    db.rekey(k1);
    expect(stats()).toEqual([before[0]! + 1, before[1]! + 1]);
    db.rekey(k2);
    expect(stats()).toEqual([before[0]! + 1, before[1]! + 1]);
    expect(() => open(path, { encryption: k1 })).toThrow(); // another cipher is registered: conflict
    db.close();
    expect(stats()).toEqual(before);
    expect(() => open(path, { encryption: k1 })).toThrow(/aes128gcm/);
    const again = open(path, { encryption: k2 });
    again.rekey(null);
    expect(stats()).toEqual(before);
    expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
    again.close();
    expect(stats()).toEqual(before);
  });

  it('Databases opened from callbacks (verbose during an open, a SQL function during a statement) each take their own registration', () => {
    const before = stats();
    const k1 = key();
    const k2 = key('aes256gcm');
    const inner: ReturnType<typeof open>[] = [];
    const innerOpen = () => inner.push(open(join(scratch.dir, `inner${inner.length}.db`), { encryption: k2 }));
    // verbose runs for the open's own validation statement, right after the hand-off was taken.
    const outer = open(join(scratch.dir, 'outer.db'), { encryption: k1, verbose: () => inner.length < 2 && innerOpen() });
    outer.function('open_inner', () => {
      innerOpen();
      return 1;
    });
    outer.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)');
    expect(outer.prepare('SELECT open_inner() FROM t').all()).toHaveLength(2);
    expect(stats()).toEqual([before[0]! + 1 + inner.length, before[1]! + 1 + inner.length]);
    // Each inner connection holds its own file's key: another key for one of them is refused.
    expect(() => open(join(scratch.dir, 'inner0.db'), { encryption: k1 })).toThrow(conflict);
    for (const db of inner) db.close();
    expect(stats()).toEqual([before[0]! + 1, before[1]! + 1]);
    outer.close();
    expect(stats()).toEqual(before);
  });

  it("unregisterKey() drops only a registration this environment made, never a connection's", () => {
    // A new, still empty database: nothing in the file tells keys apart, only the registration does.
    const path = join(scratch.dir, 'fresh.db');
    const k = key();
    const before = stats();
    const db = open(path, { encryption: k });
    const vfs = install();
    expect(vfs.unregisterKey(path)).toBe(false);
    // Another key for the same file is still refused, so the two connections cannot write one file under two keys.
    expect(() => open(path, { encryption: key() })).toThrow(conflict);
    db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    db.close();
    expect(stats()).toEqual(before);
  });
});
