/**
 * What the cheaper open keeps: the header check remembers a file only while it is unchanged (a file
 * replaced at the same path is looked at again), a second connection's key is still compared (now by
 * the VFS), and close() still checkpoints a WAL that holds frames (it only skips an empty one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { open, AuthenticationError, FormatError, verifyFile } from '../src/index.js';
import { removeDir, tempDir } from './helpers/golden.js';
import { randomHexKey } from './helpers/files.js';
import { thrown } from './helpers/run-script.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('pageseal-open-');
});
afterAll(() => removeDir(dir));

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };

function make(path: string, encryption?: { cipher: 'aegis256' | 'aes256gcm'; hexkey: string }): void {
  const db = encryption ? open(path, { encryption }) : new BetterSqlite3(path);
  db.exec('CREATE TABLE t(x)');
  db.prepare('INSERT INTO t VALUES (?)').run(1);
  db.close();
}

describe('open: what the first open learns is only reused while the file is unchanged', () => {
  it('a plain file put in place of an encrypted one is refused as NOT_ENCRYPTED', () => {
    const path = join(dir, 'swap.db');
    make(path, key);
    open(path, { encryption: key }).close(); // remembered as encrypted with aegis256
    make(join(dir, 'plain.db'));
    renameSync(join(dir, 'plain.db'), path);
    const e = thrown(() => open(path, { encryption: key }));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).code).toBe('NOT_ENCRYPTED');
  });

  it('a file of another cipher copied over it is refused as CIPHER_MISMATCH', () => {
    const path = join(dir, 'swap2.db');
    make(path, key);
    open(path, { encryption: key }).close();
    const other = join(dir, 'gcm.db');
    make(other, { cipher: 'aes256gcm', hexkey: randomHexKey(32) });
    copyFileSync(other, path);
    const e = thrown(() => open(path, { encryption: key }));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).code).toBe('CIPHER_MISMATCH');
  });
});

describe('open: the remembered pageseal header', () => {
  it('another pageseal database copied over the file (same inode, new database id) is read again: the key opens it', () => {
    const path = join(dir, 'ps.db');
    const enc = { cipher: 'aegis256' as const, hexkey: key.hexkey, format: 'pageseal' as const };
    const first = open(path, { encryption: enc });
    first.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    first.close();
    open(path, { encryption: enc }).close(); // remembered: its header, with its database id
    const other = join(dir, 'ps-other.db');
    const db = open(other, { encryption: enc }); // same key, another database id
    db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (2), (3)');
    db.close();
    const ino = statSync(path).ino;
    copyFileSync(other, path);
    expect(statSync(path).ino).toBe(ino);
    const again = open(path, { encryption: enc }); // a stale id would fail page 1's authentication
    expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
    again.close();
  });

  it('a directory is refused as NOT_A_DATABASE, a missing file is created', () => {
    const e = thrown(() => open(dir, { encryption: key }));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).code).toBe('NOT_A_DATABASE');
    const fresh = join(dir, 'fresh.db');
    open(fresh, { encryption: key }).close();
    expect(existsSync(fresh)).toBe(true);
  });
});

describe('open: a second connection', () => {
  it('with another key is refused while the first is open, with the same key shares the file', () => {
    const path = join(dir, 'two.db');
    make(path, key);
    const a = open(path, { encryption: key });
    expect(thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: randomHexKey(32) } }))).toBeInstanceOf(AuthenticationError);
    const b = open(path, { encryption: key });
    a.close();
    expect(b.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1); // b keeps its key after a closes
    b.close();
    expect(thrown(() => open(path, { encryption: { cipher: 'aegis256', hexkey: randomHexKey(32) } }))).toBeInstanceOf(AuthenticationError);
  });
});

describe('close()', () => {
  it('still checkpoints a WAL with frames (the main file alone holds the data), and leaves an empty one alone', () => {
    const path = join(dir, 'wal.db');
    const db = open(path, { encryption: key });
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE t(x)');
    const keep = new BetterSqlite3(join(dir, 'other.db')); // unrelated: the close below is the last of wal.db
    const reader = open(path, { encryption: key }); // a second connection: SQLite's own close does not checkpoint
    expect(reader.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0); // it has the WAL open (open() no longer reads the schema)
    db.prepare('INSERT INTO t VALUES (?)').run(42);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    db.close();
    expect(statSync(`${path}-wal`).size).toBe(0); // TRUNCATE checkpoint by close(), with a reader still open
    reader.close();
    keep.close();
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    expect(verifyFile(path, key)).toMatchObject({ ok: true, framesChecked: 0 });
  });
});

describe('statInto (one stat(2) without fs.Stats)', () => {
  it('tells missing, file, directory and FIFO apart, and gives what statSync gives', async () => {
    const { install } = await import('../src/index.js');
    const { execFileSync } = await import('node:child_process');
    const { writeFileSync, appendFileSync } = await import('node:fs');
    const vfs = install();
    const out = new Float64Array(7);
    expect(vfs.statInto(join(dir, 'nope'), out)).toBe(0);
    expect(vfs.statInto(dir, out)).toBe(2);
    const f = join(dir, 'stat.bin');
    writeFileSync(f, Buffer.alloc(1234, 1));
    expect(vfs.statInto(f, out)).toBe(1);
    const st = statSync(f, { bigint: true });
    expect([out[0], out[1], out[2]]).toEqual([1234, Number(st.dev), Number(st.ino)]);
    expect(BigInt(out[3]!) * 1_000_000_000n + BigInt(out[4]!)).toBe(st.mtimeNs);
    expect(BigInt(out[5]!) * 1_000_000_000n + BigInt(out[6]!)).toBe(st.ctimeNs);
    appendFileSync(f, 'x');
    expect(vfs.statInto(f, out)).toBe(1);
    expect(out[0]).toBe(1235);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(vfs.statInto(fifo, out)).toBe(3);
    expect(vfs.statInto('a\0b', out)).toBe(0); // an embedded NUL names no file
    expect(() => vfs.statInto(f, new Float64Array(3))).toThrow(TypeError);
  });
});

describe('decodeHexKey (no parseInt per byte)', () => {
  it('decodes every byte value, upper and lower case, with or without 0x, and names the first bad character', async () => {
    const { decodeHexKey } = await import('../src/options.js');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(Buffer.from(decodeHexKey(all.toString('hex'))).equals(all)).toBe(true);
    expect(Buffer.from(decodeHexKey('0X' + all.toString('hex').toUpperCase())).equals(all)).toBe(true);
    expect(() => decodeHexKey('00ff0g')).toThrow(/position 5/);
    expect(() => decodeHexKey('0x0:')).toThrow(/position 3/);
  });
});
