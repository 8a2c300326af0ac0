/**
 * The VFS shim under the user's better-sqlite3: pages, WAL frames and journal records encrypted in
 * Turso's format, failures named by page, unkeyed files untouched, temp files never in plaintext,
 * several connections and processes on one WAL database.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { addonPath } from '../src/addon.js';
import { getCipher } from '../src/ciphers/registry.js';
import { createPageFormat } from '../src/format/page-codec.js';
import { CIPHERS, type CipherName, openKeyed, testKey, vfs } from './helpers/native.js';

const MARKER = 'PAGESEAL-PLAINTEXT-MARKER';
const ALL_CIPHERS = Object.keys(CIPHERS) as CipherName[];
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-vfs-'));
  vfs();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  return join(dir, `db${++counter}.db`);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function fileHas(path: string, text: string): boolean {
  return existsSync(path) && readFileSync(path).includes(Buffer.from(text));
}

function expectCode(fn: () => unknown, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe(code);
}

/** Creates a keyed database with `rows` rows holding the marker; returns the expected sum of ids. */
function createDb(path: string, cipher: CipherName, opts: { pageSize?: number; mode?: string; rows?: number } = {}): void {
  const db = openKeyed(path, cipher, testKey(cipher));
  if (opts.pageSize) db.pragma(`page_size = ${opts.pageSize}`);
  db.pragma(`journal_mode = ${opts.mode ?? 'wal'}`);
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, pad BLOB)');
  const insert = db.prepare('INSERT INTO t(name, pad) VALUES (?, randomblob(?))');
  db.transaction(() => {
    for (let i = 0; i < (opts.rows ?? 300); i++) insert.run(`${MARKER} row ${i}`, 100 + (i % 200));
  })();
  db.close();
}

function checkRows(db: Database.Database, rows: number): void {
  expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(rows);
  expect(db.prepare(`SELECT count(*) FROM t WHERE name LIKE '${MARKER} row %'`).pluck().get()).toBe(rows);
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
}

/** Decrypts every page with the TypeScript codec (independent of the C code); returns page 1. */
function decryptWithTs(path: string, cipher: CipherName): Uint8Array {
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
  const codec = createPageFormat('turso', getCipher(cipher, { backend: 'ts' }), testKey(cipher), pageSize);
  expect(bytes.length % pageSize).toBe(0);
  let first: Uint8Array | undefined;
  for (let p = 1; p <= bytes.length / pageSize; p++) {
    const page = codec.decryptPage(p, new Uint8Array(bytes.subarray((p - 1) * pageSize, p * pageSize)));
    if (p === 1) first = page;
  }
  codec.wipe();
  return first!;
}

describe('round trips for every cipher, page size and journal mode', () => {
  for (const cipher of ALL_CIPHERS) {
    for (const pageSize of [1024, 4096, 65536]) {
      for (const mode of ['wal', 'delete']) {
        it(`${cipher}, ${pageSize}-byte pages, ${mode}`, () => {
          const path = freshPath();
          createDb(path, cipher, { pageSize, mode, rows: 300 });
          const bytes = readFileSync(path);
          expect(bytes.subarray(0, 5).toString()).toBe('Turso');
          expect(bytes[5]).toBe(0);
          expect(bytes[6]).toBe(CIPHERS[cipher].id);
          expect(bytes[20]).toBe(CIPHERS[cipher].reserve);
          expect(bytes.readUInt16BE(16)).toBe(pageSize === 65536 ? 1 : pageSize);
          expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
          expect(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0).toBe(false);
          const page1 = decryptWithTs(path, cipher);
          expect(Buffer.from(page1.subarray(0, 16)).toString('latin1')).toBe('SQLite format 3\0');

          const db = openKeyed(path, cipher, testKey(cipher));
          checkRows(db, 300);
          expect(db.pragma('page_size', { simple: true })).toBe(pageSize);
          expect(db.pragma('journal_mode', { simple: true })).toBe(mode);
          db.prepare('UPDATE t SET name = name || ? WHERE id % 7 = 0').run(' changed');
          db.close();
          const again = openKeyed(path, cipher, testKey(cipher));
          expect(again.prepare("SELECT count(*) FROM t WHERE name LIKE '% changed'").pluck().get()).toBe(42); // ids 7, 14, .., 294
          again.close();
        });
      }
    }
  }
});

describe('no plaintext reaches the disk', () => {
  it('WAL frames are encrypted (checkpoint disabled, rows only in the -wal)', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 10 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('INSERT INTO t(name, pad) VALUES (?, zeroblob(10))').run(`${MARKER} in wal`);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(32);
    expect(fileHas(`${path}-wal`, MARKER)).toBe(false);
    expect(fileHas(path, MARKER)).toBe(false);
    // A second connection recovers the WAL (checksums over the plaintext SQLite saw) and sees the row.
    const other = openKeyed(path, 'aegis256', testKey('aegis256'));
    expect(other.prepare('SELECT count(*) FROM t').pluck().get()).toBe(11);
    other.close();
    db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('rollback journal records are encrypted while the transaction is open', () => {
    const path = freshPath();
    createDb(path, 'aes256gcm', { mode: 'delete', rows: 400 });
    const db = openKeyed(path, 'aes256gcm', testKey('aes256gcm'));
    db.pragma('cache_size = 5'); // spill dirty pages into the database mid-transaction
    db.exec('BEGIN');
    db.prepare("UPDATE t SET name = 'overwritten ' || id").run();
    db.prepare('INSERT INTO t(name, pad) VALUES (?, randomblob(3000))').run(`${MARKER} new`);
    expect(statSync(`${path}-journal`).size).toBeGreaterThan(1024);
    expect(fileHas(`${path}-journal`, MARKER)).toBe(false);
    expect(fileHas(`${path}-journal`, 'overwritten')).toBe(false);
    expect(fileHas(path, 'overwritten')).toBe(false);
    db.exec('ROLLBACK'); // plays the encrypted journal back
    checkRows(db, 400);
    db.close();
    expect(existsSync(`${path}-journal`)).toBe(false);
  });

  it('a hot journal left by a crash is rolled back through the shim', () => {
    const path = freshPath();
    createDb(path, 'aegis128l', { mode: 'delete', rows: 200 });
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const addon = require(${JSON.stringify(addonPath())});
      const boot = new Database(':memory:'); boot.loadExtension(${JSON.stringify(addonPath())}, 'sqlite3_pageseal_init'); boot.close();
      addon.registerKey(process.argv[1], ${CIPHERS.aegis128l.id}, Buffer.from(process.argv[2], 'hex'));
      const db = new Database(process.argv[1]);
      db.pragma('cache_size = 2');
      db.exec('BEGIN'); db.prepare("UPDATE t SET name = 'half-done'").run();
      process.exit(0); // dies mid-transaction: the journal stays hot
    `;
    const r = spawnSync(process.execPath, ['-e', script, path, testKey('aegis128l').toString('hex')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(statSync(`${path}-journal`).size).toBeGreaterThan(0);
    expect(fileHas(`${path}-journal`, MARKER)).toBe(false);
    const hashes = () => `${sha256(path)}/${sha256(`${path}-journal`)}`;
    const before = hashes();
    const nokey = new Database(path); // must not play the journal back without decrypting it
    expectCode(() => nokey.prepare('SELECT count(*) FROM t').get(), 'SQLITE_CANTOPEN');
    expect(vfs().lastFailure()?.kind).toBe('no-key');
    nokey.close();
    expect(hashes()).toBe(before);
    const db = openKeyed(path, 'aegis128l', testKey('aegis128l'));
    checkRows(db, 200);
    db.close();
  });
});

const require = createRequire(import.meta.url);

describe('failures', () => {
  it('a wrong key fails at open with page 1 named, leaving the files untouched', () => {
    for (const mode of ['wal', 'delete']) {
      const path = freshPath();
      createDb(path, 'aegis256', { mode });
      const before = sha256(path);
      vfs().clearLastFailure();
      expectCode(() => openKeyed(path, 'aegis256', testKey('aegis256', 99)).prepare('SELECT * FROM t').all(), 'SQLITE_IOERR_AUTH');
      expect(vfs().lastFailure()).toEqual({ kind: 'auth', path: vfs().canonicalPath(path), page: 1 });
      expect(sha256(path)).toBe(before);
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(existsSync(`${path}-journal`)).toBe(false);
    }
  });

  it('a key of another cipher is reported as a cipher mismatch', () => {
    const path = freshPath();
    createDb(path, 'aegis256');
    const before = sha256(path);
    expectCode(() => openKeyed(path, 'aes256gcm', testKey('aes256gcm')), 'SQLITE_IOERR_AUTH');
    expect(vfs().lastFailure()?.kind).toBe('cipher-mismatch');
    expect(sha256(path)).toBe(before);
  });

  it('a plain database opened with a key is reported as not encrypted and left alone', () => {
    const path = freshPath();
    const plain = new Database(path);
    plain.exec(`CREATE TABLE t(x); INSERT INTO t VALUES ('${MARKER}')`);
    plain.close();
    const before = sha256(path);
    expectCode(() => openKeyed(path, 'aegis256', testKey('aegis256')), 'SQLITE_IOERR_AUTH');
    expect(vfs().lastFailure()?.kind).toBe('not-encrypted');
    expect(sha256(path)).toBe(before);
  });

  it('an encrypted database opened without a key is not a database', () => {
    const path = freshPath();
    createDb(path, 'aegis256');
    const before = sha256(path);
    expectCode(() => new Database(path).prepare('SELECT * FROM t').all(), 'SQLITE_NOTADB');
    expect(sha256(path)).toBe(before);
  });

  it('a tampered page fails authentication naming that page, and is never returned', () => {
    const path = freshPath();
    createDb(path, 'aegis128x2', { mode: 'delete', rows: 300 });
    const bytes = readFileSync(path);
    const target = 6;
    bytes[(target - 1) * 4096 + 200] ^= 1;
    writeFileSync(path, bytes);
    const before = sha256(path);
    const db = openKeyed(path, 'aegis128x2', testKey('aegis128x2'));
    vfs().clearLastFailure();
    expectCode(() => db.prepare('SELECT sum(length(name)) FROM t').get(), 'SQLITE_IOERR_AUTH');
    expect(vfs().lastFailure()).toMatchObject({ kind: 'auth', page: target });
    db.close();
    expect(sha256(path)).toBe(before);
  });

  it('a tampered page in the WAL fails when read, naming the database and the page', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 100 });
    const writer = openKeyed(path, 'aegis256', testKey('aegis256'));
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare('UPDATE t SET name = name || ? WHERE id % 10 = 0').run(' w');
    const wal = readFileSync(`${path}-wal`);
    const pageSize = wal.readUInt32BE(8);
    const tampered = new Set<number>();
    for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
      const pgno = wal.readUInt32BE(off);
      if (pgno === 1) continue;
      wal[off + 24 + 10] ^= 0x80;
      tampered.add(pgno);
    }
    expect(tampered.size).toBeGreaterThan(0);
    writeFileSync(`${path}-wal`, wal); // same inode: the writer's wal-index still points at these frames
    const reader = openKeyed(path, 'aegis256', testKey('aegis256'));
    vfs().clearLastFailure();
    expectCode(() => reader.prepare('SELECT * FROM t').all(), 'SQLITE_IOERR_AUTH');
    const failure = vfs().lastFailure();
    expect(failure?.kind).toBe('auth');
    expect(failure?.path).toBe(vfs().canonicalPath(path));
    expect(tampered.has(failure!.page)).toBe(true);
    reader.close();
    writer.close();
  });

  it('a tampered plaintext header byte fails page 1', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { mode: 'delete' });
    const bytes = readFileSync(path);
    bytes[60] ^= 1; // inside the plaintext header, covered by page 1's associated data
    writeFileSync(path, bytes);
    expectCode(() => openKeyed(path, 'aegis256', testKey('aegis256')).prepare('SELECT 1 FROM t').all(), 'SQLITE_IOERR_AUTH');
    expect(vfs().lastFailure()).toMatchObject({ kind: 'auth', page: 1 });
  });

  it('truncated and garbage files give errors, never a crash', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { mode: 'delete' });
    const full = readFileSync(path);
    const cases: Buffer[] = [full.subarray(0, 50), full.subarray(0, 4096 + 100), full.subarray(0, 3000), Buffer.alloc(8192, 0xab)];
    const garbageHeader = Buffer.from(full);
    garbageHeader.writeUInt16BE(777, 16); // not a page size
    cases.push(garbageHeader);
    for (const bytes of cases) {
      writeFileSync(path, bytes);
      let err: unknown;
      try {
        const db = openKeyed(path, 'aegis256', testKey('aegis256'));
        try {
          db.prepare('SELECT count(*) FROM t').get();
        } finally {
          db.close();
        }
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect(readFileSync(path).equals(bytes)).toBe(true);
    }
  });

  it('a damaged WAL frame ends the log as a torn write does in SQLite; earlier commits survive', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 5 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('INSERT INTO t(name) VALUES (?)').run(`${MARKER} row first`);
    const walAfterFirst = statSync(`${path}-wal`).size;
    db.prepare('INSERT INTO t(name) VALUES (?)').run(`${MARKER} row second`);
    const wal = readFileSync(`${path}-wal`);
    const main = readFileSync(path);
    db.close(); // checkpoints: put the pre-close files back to test recovery
    writeFileSync(path, main);
    wal[walAfterFirst + 24 + 100] ^= 1; // inside the page of the second commit's first frame
    writeFileSync(`${path}-wal`, wal);
    rmSync(`${path}-shm`, { force: true });
    const again = openKeyed(path, 'aegis256', testKey('aegis256'));
    checkRows(again, 6);
    again.close();
  });

  /** A WAL database whose last rows live only in its -wal (as after a crash); returns the paths' hashes. */
  function dbWithLiveWal(cipher: CipherName): { path: string; hashes: () => string } {
    const path = freshPath();
    createDb(path, cipher, { rows: 20 });
    const db = openKeyed(path, cipher, testKey(cipher));
    db.pragma('wal_autocheckpoint = 0');
    const insert = db.prepare('INSERT INTO t(name) VALUES (?)');
    for (let i = 0; i < 5; i++) insert.run(`${MARKER} row wal${i}`);
    const wal = readFileSync(`${path}-wal`);
    const main = readFileSync(path);
    db.close();
    writeFileSync(path, main);
    writeFileSync(`${path}-wal`, wal);
    rmSync(`${path}-shm`, { force: true });
    return { path, hashes: () => `${sha256(path)}/${sha256(`${path}-wal`)}` };
  }

  it('without a key, a live WAL is neither recovered nor deleted at close', () => {
    const { path, hashes } = dbWithLiveWal('aegis256');
    const before = hashes();
    const db = new Database(path);
    expectCode(() => db.prepare('SELECT count(*) FROM t').get(), 'SQLITE_CANTOPEN');
    expect(vfs().lastFailure()).toMatchObject({ kind: 'no-key', page: 1 });
    db.close();
    expect(hashes()).toBe(before);
    const good = openKeyed(path, 'aegis256', testKey('aegis256'));
    checkRows(good, 25);
    good.close();
  });

  it('with a wrong key given by PRAGMA, a live WAL is neither recovered nor deleted at close', () => {
    const { path, hashes } = dbWithLiveWal('aegis256');
    const before = hashes();
    const db = new Database(path);
    db.pragma("cipher = 'aegis256'");
    db.pragma(`hexkey = '${testKey('aegis256', 77).toString('hex')}'`);
    expectCode(() => db.prepare('SELECT count(*) FROM t').get(), 'SQLITE_CANTOPEN');
    expect(vfs().lastFailure()).toMatchObject({ kind: 'auth', page: 1 });
    db.close();
    expect(hashes()).toBe(before);
    const good = new Database(path);
    good.pragma("cipher = 'aegis256'");
    good.pragma(`hexkey = '${testKey('aegis256').toString('hex')}'`);
    checkRows(good, 25);
    good.close();
  });

  it('random damage to the database and its WAL gives errors or intact rows, never a crash', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 60 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('UPDATE t SET name = name || ? WHERE id % 3 = 0').run(' w');
    const wal = readFileSync(`${path}-wal`);
    const main = readFileSync(path);
    db.close();
    let seed = 12345;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    let failures = 0;
    for (let round = 0; round < 40; round++) {
      const m = Buffer.from(main);
      const w = Buffer.from(wal);
      const target = round % 2 ? m : w;
      for (let i = 0; i < 1 + rand(4); i++) target[rand(target.length)] ^= 1 + rand(255);
      const cut = round % 5 === 0 ? rand(target.length) : target.length;
      writeFileSync(path, target === m ? m.subarray(0, cut) : m);
      writeFileSync(`${path}-wal`, target === w ? w.subarray(0, cut) : w);
      rmSync(`${path}-shm`, { force: true });
      try {
        const d = openKeyed(path, 'aegis256', testKey('aegis256'));
        try {
          const rows = d.prepare('SELECT id, name FROM t').all() as { id: number; name: string }[];
          for (const r of rows) expect(r.name.startsWith(`${MARKER} row `)).toBe(true); // never garbage
          d.pragma('integrity_check');
        } finally {
          d.close();
        }
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });

  it('writes WAL checksums over the stored bytes, and recovers such a WAL (as Turso writes it) with every committed row', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 5 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('INSERT INTO t(name) VALUES (?)').run('x');
    // Snapshot the live WAL: its checksums already continue the chain over the stored (encrypted) bytes.
    const wal = readFileSync(`${path}-wal`);
    const main = readFileSync(path);
    db.close();
    expect(tursoChecksums(wal).equals(wal)).toBe(true);
    writeFileSync(path, main);
    writeFileSync(`${path}-wal`, wal);
    const again = openKeyed(path, 'aegis256', testKey('aegis256'));
    try {
      expect(again.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 6 });
    } finally {
      again.close();
    }
  });
});

/** Recomputes every frame checksum of a WAL over the bytes as stored (SQLite's algorithm, native order). */
function tursoChecksums(wal: Buffer): Buffer {
  const out = Buffer.from(wal);
  const big = (out.readUInt32BE(0) & 1) === 1;
  const word = (o: number) => (big ? out.readUInt32BE(o) : out.readUInt32LE(o));
  const pageSize = out.readUInt32BE(8);
  let s0 = out.readUInt32BE(24);
  let s1 = out.readUInt32BE(28);
  const sum = (from: number, to: number) => {
    for (let i = from; i < to; i += 8) {
      s0 = (s0 + word(i) + s1) >>> 0;
      s1 = (s1 + word(i + 4) + s0) >>> 0;
    }
  };
  for (let off = 32; off + 24 + pageSize <= out.length; off += 24 + pageSize) {
    sum(off, off + 8);
    sum(off + 24, off + 24 + pageSize);
    out.writeUInt32BE(s0, off + 16);
    out.writeUInt32BE(s1, off + 20);
  }
  return out;
}

describe('files without a key', () => {
  it('pass through untouched', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma('journal_mode = wal');
    db.exec(`CREATE TABLE t(x); INSERT INTO t VALUES ('${MARKER}')`);
    db.close();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect(bytes[20]).toBe(0);
    expect(bytes.includes(Buffer.from(MARKER))).toBe(true);
    expect(new Database(path).prepare('SELECT x FROM t').pluck().get()).toBe(MARKER);
  });
});

describe('PRAGMA cipher / hexkey', () => {
  const hex = testKey('aegis256').toString('hex');

  it('create and reopen with pragmas in either order, reopen with a registered key', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma("cipher = 'AEGIS-256'");
    db.pragma(`hexkey = '${hex}'`);
    expect(db.pragma('cipher', { simple: true })).toBe('aegis256');
    db.exec(`CREATE TABLE t(x); INSERT INTO t VALUES ('${MARKER}')`);
    db.close();
    expect(fileHas(path, MARKER)).toBe(false);
    expect(readFileSync(path)[20]).toBe(48);

    const again = new Database(path);
    again.pragma(`hexkey = '${hex.toUpperCase()}'`);
    again.pragma("cipher = 'aegis256'");
    expect(again.prepare('SELECT x FROM t').pluck().get()).toBe(MARKER);
    again.close();
    const registered = openKeyed(path, 'aegis256', testKey('aegis256'));
    expect(registered.prepare('SELECT x FROM t').pluck().get()).toBe(MARKER);
    registered.close();
  });

  it('rejects bad input without echoing the key', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma("cipher = 'aes128gcm'");
    const msg = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const m1 = msg(() => db.pragma(`hexkey = '${hex}'`)); // 32 bytes for a 16-byte cipher
    expect(m1).toMatch(/needs a 16-byte key/);
    expect(m1).not.toContain(hex);
    const m2 = msg(() => db.pragma(`hexkey = 'zz${hex.slice(2, 32)}'`));
    expect(m2).toMatch(/hex digits/);
    expect(msg(() => db.pragma("cipher = 'rot13'"))).toMatch(/unknown cipher 'rot13'/);
    // A key typed into the cipher pragma by mistake is not echoed back.
    const m3 = msg(() => db.pragma(`cipher = '${hex}'`));
    expect(m3).toMatch(/unknown cipher/);
    expect(m3).not.toContain(hex.slice(0, 16));
    db.close();

    const plainPath = freshPath();
    const plain = new Database(plainPath);
    plain.exec('CREATE TABLE t(x)');
    expect(msg(() => plain.pragma(`hexkey = '${hex}'`))).toMatch(/before the database is first read/);
    plain.close();
  });
});

describe('temp files', () => {
  /** Contents of this process's open temp files (unlinked at open, still reachable through /proc). */
  function openDeletedFiles(): Buffer[] {
    const out: Buffer[] = [];
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target.endsWith(' (deleted)') && target.startsWith('/')) out.push(readFileSync(`/proc/self/fd/${fd}`));
      } catch {
        /* closed meanwhile */
      }
    }
    return out;
  }

  it('a sort spilling to temp files gives correct results with no plaintext in them', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 10 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    db.pragma('temp_store = FILE');
    db.pragma('cache_size = 10');
    db.exec('CREATE TABLE big(k TEXT)');
    const insert = db.prepare('INSERT INTO big VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 30000; i++) insert.run(`${MARKER}-${String((i * 7919) % 30000).padStart(6, '0')}-${'y'.repeat(60)}`);
    })();
    const before = vfs().vfsStats().encryptedTempFiles;
    let seen = 0;
    let prev = '';
    let tempContents: Buffer[] = [];
    for (const row of db.prepare('SELECT k FROM big ORDER BY k').iterate() as Iterable<{ k: string }>) {
      if (seen === 0) tempContents = openDeletedFiles(); // the sorter's files are open now
      expect(row.k >= prev).toBe(true);
      prev = row.k;
      seen++;
    }
    expect(seen).toBe(30000);
    expect(vfs().vfsStats().encryptedTempFiles).toBeGreaterThan(before);
    expect(tempContents.length).toBeGreaterThan(0);
    expect(tempContents.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(100_000);
    for (const b of tempContents) expect(b.includes(Buffer.from(MARKER))).toBe(false);
    db.close();
  });

  it('the same check finds plaintext in a process without pageseal (the check can fail)', () => {
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const fs = require('fs');
      const db = new Database(':memory:');
      db.pragma('temp_store = FILE'); db.pragma('cache_size = 10');
      db.exec('CREATE TABLE big(k TEXT)');
      const ins = db.prepare('INSERT INTO big VALUES (?)');
      db.transaction(() => { for (let i = 0; i < 30000; i++) ins.run('${MARKER}-' + ((i * 7919) % 30000) + '-' + 'y'.repeat(60)); })();
      let found = false, first = true;
      for (const r of db.prepare('SELECT k FROM big ORDER BY k').iterate()) {
        if (!first) continue; first = false;
        for (const fd of fs.readdirSync('/proc/self/fd')) {
          try { const t = fs.readlinkSync('/proc/self/fd/' + fd);
            if (t.endsWith(' (deleted)') && fs.readFileSync('/proc/self/fd/' + fd).includes('${MARKER}')) found = true; } catch {}
        }
      }
      process.stdout.write(String(found));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stdout).toBe('true');
  });
});

describe('several connections', () => {
  it('two connections in one process see each other in WAL mode', () => {
    const path = freshPath();
    createDb(path, 'aegis128x4', { rows: 10 });
    const a = openKeyed(path, 'aegis128x4', testKey('aegis128x4'));
    const b = openKeyed(path, 'aegis128x4', testKey('aegis128x4'));
    for (let i = 0; i < 20; i++) {
      const [w, r] = i % 2 ? [a, b] : [b, a];
      w.prepare('INSERT INTO t(name) VALUES (?)').run(`${MARKER} row x${i}`);
      expect(r.prepare('SELECT count(*) FROM t').pluck().get()).toBe(11 + i);
    }
    expect(fileHas(`${path}-wal`, MARKER)).toBe(false);
    a.close();
    b.close();
    expect(vfs().vfsStats().registeredPaths).toBe(0);
  });

  it('a second process reads and writes the same WAL database concurrently', async () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 10 });
    const cipher = CIPHERS.aegis256.id;
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const addon = require(${JSON.stringify(addonPath())});
      const boot = new Database(':memory:'); boot.loadExtension(${JSON.stringify(addonPath())}, 'sqlite3_pageseal_init'); boot.close();
      const key = Buffer.from(process.env.TEST_KEY, 'hex');
      const canon = addon.registerKey(process.argv[1], ${cipher}, key); key.fill(0);
      const db = new Database(process.argv[1], { timeout: 20000 }); addon.unregisterKey(canon);
      for (let i = 0; i < 200; i++) {
        db.prepare('INSERT INTO t(name) VALUES (?)').run('${MARKER} row child' + i);
        db.prepare('SELECT count(*) FROM t').get();
      }
      process.stdout.write('seen=' + db.prepare("SELECT count(*) FROM t WHERE name LIKE '%row parent%'").pluck().get());
      db.close();
    `;
    const child = spawn(process.execPath, ['-e', script, path], { env: { ...process.env, TEST_KEY: testKey('aegis256').toString('hex') } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const db = openKeyed(path, 'aegis256', testKey('aegis256'), { timeout: 20000 });
    for (let i = 0; i < 200; i++) {
      db.prepare('INSERT INTO t(name) VALUES (?)').run(`${MARKER} row parent${i}`);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(await done).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^seen=\d+$/);
    checkRows(db, 410);
    db.close();
    expect(fileHas(path, MARKER)).toBe(false);
  });
});

describe('opening while another process writes', () => {
  it('fresh connections never see a spurious failure while a second process commits and checkpoints', async () => {
    const path = freshPath();
    createDb(path, 'aegis256', { rows: 1 });
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const addon = require(${JSON.stringify(addonPath())});
      const boot = new Database(':memory:'); boot.loadExtension(${JSON.stringify(addonPath())}, 'sqlite3_pageseal_init'); boot.close();
      const canon = addon.registerKey(process.argv[1], ${CIPHERS.aegis256.id}, Buffer.from(process.env.TEST_KEY, 'hex'));
      const db = new Database(process.argv[1], { timeout: 20000 }); addon.unregisterKey(canon);
      const ins = db.prepare('INSERT INTO t(name) VALUES (?)');
      for (let i = 0; i < 400; i++) { ins.run('${MARKER} row c' + i); if (i % 20 === 0) db.pragma('wal_checkpoint(PASSIVE)'); }
      db.close();
    `;
    const child = spawn(process.execPath, ['-e', script, path], { env: { ...process.env, TEST_KEY: testKey('aegis256').toString('hex') } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    let running = true;
    const done = new Promise<number>((resolve) => child.on('close', (code) => { running = false; resolve(code ?? -1); }));
    let opens = 0;
    while (running) {
      const db = openKeyed(path, 'aegis256', testKey('aegis256'), { timeout: 20000 });
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBeGreaterThanOrEqual(1);
      db.close();
      opens++;
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toBe(0);
    expect(err).toBe('');
    expect(opens).toBeGreaterThan(0);
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    checkRows(db, 401);
    db.close();
  });
});

describe('key registry', () => {
  it('counts registrations, rejects a conflicting key, and does not leak keys', () => {
    const v = vfs();
    const path = freshPath();
    const liveBefore = v.vfsStats().liveKeys;
    const canon = v.registerKey(path, CIPHERS.aegis256.id, testKey('aegis256'));
    expect(v.registerKey(path, CIPHERS.aegis256.id, testKey('aegis256'))).toBe(canon);
    expectCode(() => v.registerKey(path, CIPHERS.aegis256.id, testKey('aegis256', 5)), 'PS_KEY_CONFLICT');
    expectCode(() => v.registerKey(path, 42, testKey('aegis256')), 'PS_UNKNOWN_CIPHER');
    expectCode(() => v.registerKey(path, CIPHERS.aegis256.id, Buffer.alloc(16)), 'PS_INVALID_KEY');
    expect(v.unregisterKey(path)).toBe(true);
    expect(v.vfsStats().registeredPaths).toBe(1);
    expect(v.unregisterKey(path)).toBe(true);
    expect(v.unregisterKey(path)).toBe(false);
    expect(v.vfsStats().registeredPaths).toBe(0);
    expect(v.vfsStats().liveKeys).toBe(liveBefore);
  });
});

describe('VACUUM', () => {
  it('in place keeps the encryption; a page-size change is refused and leaves the database intact', () => {
    const path = freshPath();
    createDb(path, 'aegis256', { mode: 'delete', rows: 300 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    db.prepare('DELETE FROM t WHERE id % 2 = 0').run();
    db.exec('VACUUM');
    expect(fileHas(path, MARKER)).toBe(false);
    checkRows(db, 150);
    for (const size of [1024, 8192]) {
      db.pragma(`page_size = ${size}`);
      expectCode(() => db.exec('VACUUM'), 'SQLITE_IOERR_WRITE');
      expect(vfs().lastFailure()).toMatchObject({ kind: 'page-size', page: 1 });
      checkRows(db, 150);
    }
    db.close();
    const again = openKeyed(path, 'aegis256', testKey('aegis256'));
    checkRows(again, 150);
    expect(again.pragma('page_size', { simple: true })).toBe(4096);
    again.close();
  });

  it('VACUUM INTO a path with a registered key writes an encrypted copy (page size may change)', () => {
    const path = freshPath();
    const target = freshPath();
    createDb(path, 'aegis256', { rows: 200 });
    const db = openKeyed(path, 'aegis256', testKey('aegis256'));
    const canon = vfs().registerKey(target, CIPHERS.aegis256.id, testKey('aegis256', 3));
    db.pragma('page_size = 8192');
    db.exec(`VACUUM INTO '${target}'`);
    vfs().unregisterKey(canon);
    db.close();
    expect(fileHas(target, MARKER)).toBe(false);
    expect(readFileSync(target).readUInt16BE(16)).toBe(8192);
    const copy = openKeyed(target, 'aegis256', testKey('aegis256', 3));
    checkRows(copy, 200);
    copy.close();
  });
});

describe('worker threads', () => {
  it('a worker uses the same VFS and keys; page failures are reported per thread', async () => {
    const path = freshPath();
    createDb(path, 'aes128gcm', { rows: 50 });
    vfs().clearLastFailure();
    const code = `
      const { parentPort, workerData } = require('worker_threads');
      const Database = require(workerData.bs3);
      const addon = require(workerData.addon);
      const out = { installed: addon.vfsInstalled() };
      const canon = addon.registerKey(workerData.path, workerData.cipher, Buffer.from(workerData.key, 'hex'));
      const db = new Database(workerData.path);
      addon.unregisterKey(canon);
      db.prepare('INSERT INTO t(name) VALUES (?)').run(workerData.marker + ' row worker');
      out.count = db.prepare('SELECT count(*) FROM t').pluck().get();
      db.close();
      const wrong = addon.registerKey(workerData.path, workerData.cipher, Buffer.alloc(16, 9));
      try { new Database(workerData.path); } catch (e) { out.code = e.code; }
      addon.unregisterKey(wrong);
      out.failure = addon.lastFailure();
      parentPort.postMessage(out);
    `;
    const worker = new Worker(code, {
      eval: true,
      workerData: { bs3: require.resolve('better-sqlite3'), addon: addonPath(), path, cipher: CIPHERS.aes128gcm.id, key: testKey('aes128gcm').toString('hex'), marker: MARKER },
    });
    const out = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(out).toMatchObject({ installed: true, count: 51, code: 'SQLITE_IOERR_AUTH', failure: { kind: 'auth', page: 1 } });
    expect(vfs().lastFailure()).toBeNull(); // the worker's failure stays on its thread
    const db = openKeyed(path, 'aes128gcm', testKey('aes128gcm'));
    checkRows(db, 51);
    db.close();
  });
});

describe('ATTACH', () => {
  it('existing and new encrypted databases attach with a registered key or PRAGMA cipher/hexkey', () => {
    const existing = freshPath();
    const fresh = freshPath();
    createDb(existing, 'aegis256', { rows: 30 });
    const db = new Database(':memory:');
    const canon = vfs().registerKey(existing, CIPHERS.aegis256.id, testKey('aegis256'));
    db.exec(`ATTACH '${existing}' AS old`);
    vfs().unregisterKey(canon);
    expect(db.prepare('SELECT count(*) FROM old.t').pluck().get()).toBe(30);
    const registeredNew = freshPath();
    const canonNew = vfs().registerKey(registeredNew, CIPHERS.aes256gcm.id, testKey('aes256gcm'));
    db.exec(`ATTACH '${registeredNew}' AS reg`);
    vfs().unregisterKey(canonNew);
    db.exec('CREATE TABLE reg.t(id INTEGER PRIMARY KEY, name TEXT, pad BLOB); INSERT INTO reg.t SELECT * FROM old.t');
    db.exec(`ATTACH '${fresh}' AS new`);
    db.pragma("new.cipher = 'aegis128l'");
    db.pragma(`new.hexkey = '${testKey('aegis128l').toString('hex')}'`);
    db.exec('CREATE TABLE new.t(id INTEGER PRIMARY KEY, name TEXT, pad BLOB); INSERT INTO new.t SELECT * FROM old.t');
    db.close();
    expect(fileHas(fresh, MARKER)).toBe(false);
    const copy = openKeyed(fresh, 'aegis128l', testKey('aegis128l'));
    checkRows(copy, 30);
    copy.close();
    expect(fileHas(registeredNew, MARKER)).toBe(false);
    expect(readFileSync(registeredNew)[20]).toBe(CIPHERS.aes256gcm.reserve);
    const reg = openKeyed(registeredNew, 'aes256gcm', testKey('aes256gcm'));
    checkRows(reg, 30);
    reg.close();
  });
});
