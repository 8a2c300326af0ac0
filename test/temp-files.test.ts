/**
 * Issue 7, item 6: temp files (temp tables, sorter spills, statement journals) are encrypted with a
 * fresh keystream for every write of a region, and still read back exactly what SQLite wrote.
 * The temp file is read through /proc/self/fd (SQLite unlinks temp files as soon as it opens them).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Database } from '../src/index.js';
import { loadAddon } from '../src/addon.js';

const enc = { encryption: { cipher: 'aegis256' as const, hexkey: '7e'.repeat(32) } };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-temp-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Contents of this process's open SQLite temp files (named etilqs_*), by descriptor. */
function tempFiles(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.includes('etilqs_')) out.set(fd, readFileSync(`/proc/self/fd/${fd}`));
  }
  return out;
}

function blocks(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o + 4096 <= b.length; o += 4096) out.push(b.subarray(o, o + 4096));
  return out;
}

function fillTemp(db: BetterSqlite3.Database | Database, value: (i: number) => Buffer): void {
  const up = db.prepare('UPDATE big SET x = ? WHERE id = ?');
  db.transaction(() => {
    for (let i = 1; i <= 300; i++) up.run(value(i), i);
  })();
}

describe('temp-file keystream (item 6)', () => {
  it('a temp-table region rewritten with the same plaintext never gets the same ciphertext again', () => {
    const db = open(join(dir, 'reuse.db'), enc);
    try {
      db.pragma('temp_store = FILE');
      db.exec('CREATE TEMP TABLE big(id INTEGER PRIMARY KEY, x BLOB)');
      db.pragma('temp.cache_size = 10'); // pages spill to the temp file
      const ins = db.prepare('INSERT INTO big(id, x) VALUES (?, zeroblob(1500))');
      db.transaction(() => {
        for (let i = 1; i <= 300; i++) ins.run(i);
      })();
      const original = (i: number) => Buffer.alloc(1500, i & 0xff);
      fillTemp(db, original);
      const before = [...tempFiles().values()][0]!;
      fillTemp(db, () => Buffer.alloc(1500, 0xee));
      const middle = [...tempFiles().values()][0]!;
      fillTemp(db, original); // the same plaintext as `before`, at the same offsets
      const after = [...tempFiles().values()][0]!;
      const b = blocks(before), m = blocks(middle), a = blocks(after);
      let rewritten = 0;
      let reused = 0;
      for (let i = 0; i < Math.min(b.length, m.length, a.length); i++) {
        if (b[i]!.equals(m[i]!)) continue; // not rewritten
        rewritten++;
        if (b[i]!.equals(a[i]!)) reused++;
      }
      expect(rewritten).toBeGreaterThan(100);
      expect(reused).toBe(0);
      expect(db.prepare('SELECT count(*) FROM big WHERE x = ?').pluck().get(original(5))).toBe(2); // ids 5 and 261
    } finally {
      db.close();
    }
  });

  it('temp tables, sorter spills, statement journals and VACUUM give the same results as plain SQLite', () => {
    // The oracle keeps temp data in memory (no temp file at all), the other run in encrypted temp files.
    const run = (db: BetterSqlite3.Database | Database, store: 'MEMORY' | 'FILE'): unknown[] => {
      db.pragma(`temp_store = ${store}`);
      db.pragma('cache_size = 10');
      db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB)');
      db.exec('CREATE TEMP TABLE tt(id INTEGER PRIMARY KEY, v BLOB)');
      db.pragma('temp.cache_size = 10');
      const ins = db.prepare('INSERT INTO t(k, v) VALUES (?, ?)');
      const insT = db.prepare('INSERT INTO tt(v) VALUES (?)');
      let seed = 12345;
      const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
      db.transaction(() => {
        for (let i = 0; i < 3000; i++) {
          const len = 1 + (rnd() % 700);
          const v = Buffer.alloc(len, rnd() & 0xff);
          ins.run(`k${rnd() % 5000}`, v);
          insT.run(v);
        }
      })();
      // partial rewrites of temp pages at odd sizes, then shrinking them (truncation of the temp file)
      db.exec("UPDATE tt SET v = substr(v, 1, length(v) / 2) || x'01020304' WHERE id % 3 = 0");
      db.exec('DELETE FROM tt WHERE id > 1500');
      db.exec('VACUUM temp');
      const sorted = db.prepare('SELECT k, length(v), hex(substr(v, 1, 4)) FROM t ORDER BY k DESC, v').raw().all();
      // a statement journal: a multi-row UPDATE that fails half way is rolled back by its statement
      db.exec('CREATE UNIQUE INDEX tk ON t(id, k)');
      try {
        db.exec("UPDATE t SET id = 2 WHERE id IN (1, 2, 3)");
      } catch {
        // constraint failure: the statement's changes are undone from the statement journal
      }
      db.exec('VACUUM');
      const temp = db.prepare('SELECT id, hex(v) FROM tt ORDER BY v, id').raw().all();
      const sums = db.prepare('SELECT count(*), sum(length(v)), total(id) FROM t').raw().get();
      return [sorted, temp, sums, db.pragma('integrity_check', { simple: true })];
    };
    const plain = new BetterSqlite3(join(dir, 'plain.db'));
    const expected = run(plain, 'MEMORY');
    plain.close();
    const sealed = open(join(dir, 'sealed.db'), enc);
    const tempBefore = loadAddon()!.vfsStats().encryptedTempFiles;
    const got = run(sealed, 'FILE');
    expect(loadAddon()!.vfsStats().encryptedTempFiles - tempBefore).toBeGreaterThan(3);
    sealed.close();
    expect(got).toEqual(expected);
    expect(got[3]).toBe('ok');
  });
});
