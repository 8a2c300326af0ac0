/**
 * Sealed WAL (docs/logs.md): frame checksums on disk cover the stored bytes, as Turso writes them,
 * while SQLite above the VFS keeps checking its plaintext chain. Checked here: the chain over the file
 * bytes after every kind of write SQLite makes (appends, a page written twice in one transaction, which
 * makes SQLite rewrite checksums, spills, restarts after a checkpoint), recovery from a copy of a live
 * -wal, stock better-sqlite3 without pageseal on a crash-left -wal, a -wal of pageseal 0.1.0
 * (plaintext checksums), and several processes writing and reading one WAL.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type EncryptionOpts } from '../src/index.js';
import { randomHexKey, scratchDir } from './helpers/files.js';
import { runScript } from './helpers/run-script.js';
import { walChainReport, walFileChainReport } from './helpers/wal-chain.js';

const KEY = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'old-logs');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'MANIFEST.json'), 'utf8'));

let scratch: ReturnType<typeof scratchDir>;
let counter = 0;
beforeAll(() => {
  scratch = scratchDir('pageseal-sealed-wal-');
});
afterAll(() => scratch.cleanup());

const freshPath = () => join(scratch.dir, `w${++counter}.db`);

function walDb(path: string, key = KEY): Database {
  const db = open(path, { encryption: key });
  db.pragma('journal_mode = wal');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)');
  return db;
}

/** Copies the database and its -wal as they are now (a crash at this moment), to `to`. */
function snapshot(from: string, to: string): void {
  copyFileSync(from, to);
  copyFileSync(from + '-wal', to + '-wal');
}

function summary(path: string, key: EncryptionOpts = KEY): { n: number; total: number } {
  const db = open(path, { encryption: key });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return db.prepare('SELECT count(*) AS n, coalesce(sum(length(v)), 0) AS total FROM t').get() as { n: number; total: number };
  } finally {
    db.close();
  }
}

describe('WAL checksums over the stored bytes', () => {
  it('every frame of a live -wal continues the chain over its stored bytes, also after a page written twice in one transaction and a spill', () => {
    const path = freshPath();
    const db = walDb(path);
    db.pragma('cache_size = 10');
    const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
    for (let i = 0; i < 5; i++) ins.run('row ' + i);
    db.transaction(() => {
      // the same pages again and again: SQLite overwrites frames of this transaction and rewrites checksums
      for (let i = 0; i < 40; i++) db.prepare('UPDATE t SET v = ? WHERE id = 1').run('x'.repeat(i * 50));
      for (let i = 0; i < 400; i++) ins.run('spill '.repeat(40)); // more pages than the cache holds
      db.prepare('UPDATE t SET v = ? WHERE id = 2').run('last');
    })();
    const report = walFileChainReport(path + '-wal');
    expect(report.frames).toBeGreaterThan(20);
    expect(report).toEqual({ frames: report.frames, chained: report.frames, committed: report.frames });
    const copy = freshPath();
    snapshot(path, copy);
    db.close();
    expect(summary(copy)).toEqual(summary(path));
  });

  it('after checkpoints restart the log, new generations are chained too; a copy recovers every committed row', () => {
    const path = freshPath();
    const db = walDb(path);
    const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 20; i++) ins.run(`r${round}-${i}-` + 'y'.repeat(300));
      db.pragma(round % 2 ? 'wal_checkpoint(RESTART)' : 'wal_checkpoint(PASSIVE)');
      for (let i = 0; i < 5; i++) ins.run(`after ${round} ${i}`);
    }
    const report = walFileChainReport(path + '-wal');
    expect(report.chained).toBe(report.frames);
    const copy = freshPath();
    snapshot(path, copy);
    const expected = db.prepare('SELECT count(*) AS n, sum(length(v)) AS total FROM t').get();
    db.close();
    expect(summary(copy)).toEqual(expected);
  });

  for (const [cipher, pageSize] of [['aes128gcm', 1024], ['aegis256x4', 65536]] as const) {
    it(`${cipher} at page size ${pageSize}: the chain holds and a copy of the live -wal recovers`, () => {
      const key = { cipher, hexkey: randomHexKey(cipher === 'aes128gcm' ? 16 : 32) };
      const path = freshPath();
      const db = open(path, { encryption: key });
      db.pragma(`page_size = ${pageSize}`);
      db.pragma('journal_mode = wal');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
      const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
      for (let i = 0; i < 20; i++) ins.run('r'.repeat(i * 90));
      db.transaction(() => {
        for (let i = 0; i < 300; i++) ins.run('s'.repeat(500));
        db.prepare('UPDATE t SET v = ? WHERE id < 5').run('again');
      })();
      expect(db.pragma('page_size', { simple: true })).toBe(pageSize);
      const report = walFileChainReport(path + '-wal');
      expect(report.chained).toBe(report.frames);
      const copy = freshPath();
      snapshot(path, copy);
      const expected = db.prepare('SELECT count(*) AS n, sum(length(v)) AS total FROM t').get();
      db.close();
      expect(summary(copy, key)).toEqual(expected);
    });
  }

  it('a frame altered on disk whose checksum was fixed up to match is refused, not taken for the end of the log', () => {
    const path = freshPath();
    const db = walDb(path);
    for (let i = 0; i < 3; i++) db.prepare('INSERT INTO t(v) VALUES (?)').run('v' + i);
    const copy = freshPath();
    snapshot(path, copy);
    db.close();
    const wal = readFileSync(copy + '-wal');
    const pageSize = wal.readUInt32BE(8);
    wal[32 + 24 + 200] ^= 1; // a ciphertext byte of frame 1
    writeFileSync(copy + '-wal', refreshChain(wal, pageSize));
    expect(walChainReport(readFileSync(copy + '-wal')).chained).toBeGreaterThan(0);
    expect(() => summary(copy)).toThrow();
  });

  it('stock better-sqlite3 without pageseal on a crash-left -wal keeps every committed row (it checkpoints the ciphertext)', async () => {
    const path = freshPath();
    const db = walDb(path);
    const ins = db.prepare('INSERT INTO t(v) VALUES (?)');
    for (let i = 0; i < 30; i++) ins.run('kept ' + i);
    const expected = db.prepare('SELECT count(*) AS n, sum(length(v)) AS total FROM t').get();
    const copy = freshPath();
    snapshot(path, copy);
    db.close();
    const out = await runScript('stock-sqlite.ts', [copy], {});
    expect(out.trim()).toBe('error SQLITE_NOTADB');
    expect(summary(copy)).toEqual(expected);
  });
});

describe('a -wal of pageseal 0.1.0 (checksums over the plaintext) still recovers', () => {
  const f = manifest.files['old-wal.db'];
  it('every committed row, and new commits continue the log', () => {
    const path = freshPath();
    copyFileSync(join(FIXTURES, 'old-wal.db'), path);
    copyFileSync(join(FIXTURES, f.log), path + '-wal');
    const key = { cipher: manifest.cipher, hexkey: manifest.hexkey };
    const db = open(path, { encryption: key });
    db.pragma('wal_autocheckpoint = 0');
    expect(db.prepare('SELECT count(*) AS n, sum(length(v)) AS total FROM t').get()).toEqual({ n: f.rows, total: f.sumLength });
    expect(db.prepare('SELECT v FROM t WHERE id = 1').get()).toEqual({ v: f.id1 });
    // Appended to the old log (no checkpoint yet): a crash now must still recover old and new frames.
    db.prepare('INSERT INTO t(id, v) VALUES (?, ?)').run(5000, 'appended');
    const copy = freshPath();
    snapshot(path, copy);
    db.close();
    expect(summary(copy, key)).toEqual({ n: f.rows + 1, total: f.sumLength + 'appended'.length });
  });
});

describe('several processes on one WAL', () => {
  it('three writers and two readers in separate processes: every row, a valid chain, a recovering copy', async () => {
    const path = freshPath();
    const holder = walDb(path); // keeps the -wal after the workers close
    const env = { PAGESEAL_TEST_HEXKEY: KEY.hexkey };
    const runs = [0, 1, 2].map((w) => runScript('wal-worker.ts', [path, KEY.cipher, 'write', String(w), '60'], env));
    runs.push(...[0, 1].map(() => runScript('wal-worker.ts', [path, KEY.cipher, 'read', '0', '60'], env)));
    const outs = await Promise.all(runs);
    for (const o of outs.slice(3)) expect(o).toMatch(/^ok/);
    expect(existsSync(path + '-wal')).toBe(true);
    const report = walFileChainReport(path + '-wal');
    expect(report.chained).toBe(report.frames);
    const copy = freshPath();
    snapshot(path, copy);
    expect(summary(copy).n).toBe(180);
    holder.close();
    expect(summary(path).n).toBe(180);
  }, 60_000);
});

/** Recomputes every frame checksum over the stored bytes (as a forger who altered a frame would). */
function refreshChain(wal: Buffer, pageSize: number): Buffer {
  const big = (wal.readUInt32BE(0) & 1) === 1;
  const word = (o: number) => (big ? wal.readUInt32BE(o) : wal.readUInt32LE(o));
  let s0 = wal.readUInt32BE(24);
  let s1 = wal.readUInt32BE(28);
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const step = (from: number, to: number) => {
      for (let i = from; i < to; i += 8) {
        s0 = (s0 + word(i) + s1) >>> 0;
        s1 = (s1 + word(i + 4) + s0) >>> 0;
      }
    };
    step(at, at + 8);
    step(at + 24, at + 24 + pageSize);
    wal.writeUInt32BE(s0, at + 16);
    wal.writeUInt32BE(s1, at + 20);
  }
  return wal;
}
