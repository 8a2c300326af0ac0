/**
 * Key lifecycle (docs/rekey.md): rekeyFile and db.rekey from plain to encrypted (databases made by
 * stock better-sqlite3, WAL and rollback), key changes, cipher changes across every reserve size
 * (0, 28, 32, 48), encrypted to plain; refusals while another connection (this process or another)
 * has the file; PRAGMA rehexkey; the connection going on under its new key; Turso reading the result.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { existsSync, lstatSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthenticationError, Database, FormatError, PagesealError, encryptFile, info, open, rekeyFile, verifyFile, type CipherName, type EncryptionOpts } from '../src/index.js';
import { checkFreeSpace } from '../src/rekey/space.js';
import { loadAddon } from '../src/addon.js';
import { scratchDir, fileContains, randomHexKey, sha256File } from './helpers/files.js';
import { SCHEMA, makeRows, rowsSha256 } from './helpers/rows.js';
import { readRows } from './helpers/pageseal.js';
import { loadTurso, readTursoRows } from './helpers/turso.js';
import { thrown } from './helpers/run-script.js';

type Key = EncryptionOpts | null;

const key = (cipher: string): { cipher: CipherName; hexkey: string } => ({ cipher: cipher as CipherName, hexkey: randomHexKey(cipher.includes('128') ? 16 : 32) });
/** One cipher per reserve size, and plain. */
const SIDES: Record<string, () => Key> = {
  plain: () => null,
  aes256gcm: () => key('aes256gcm'), // 28
  aegis128l: () => key('aegis128l'), // 32
  aegis256: () => key('aegis256'), // 48
};
const ROWS = 400;
const MARK = 'row-123'; // a plaintext string every copy holds

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = scratchDir('pageseal-rekey-'));
});
afterEach(() => cleanup());

/** A database made by stock better-sqlite3 (no pageseal), rows 1..ROWS, with a view, a trigger and AUTOINCREMENT. */
function stockDb(path: string, journal: 'wal' | 'delete'): void {
  const db = new BetterSqlite3(path);
  db.pragma(`journal_mode = ${journal}`);
  for (const sql of SCHEMA) db.exec(sql);
  db.exec('CREATE TABLE log(n INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT); CREATE VIEW v AS SELECT name FROM t;');
  db.exec("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log(what) VALUES ('ins'); END;");
  const ins = db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const r of makeRows(1, ROWS)) ins.run(r.id, r.name, Buffer.from(r.blob));
  })();
  db.pragma('user_version = 42');
  db.close();
}

function openAs(path: string, k: Key): Database {
  return k ? new Database(path, { encryption: k }) : new Database(path);
}

/** Hash of t, the log count, the view and user_version, read through `k`. */
function content(path: string, k: Key): string {
  const db = openAs(path, k);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const extra = [JSON.stringify(db.prepare('SELECT rowid, * FROM sqlite_sequence').all()), db.prepare('SELECT count(*) FROM log').pluck().get(), db.prepare('SELECT count(*) FROM v').pluck().get(), db.pragma('user_version', { simple: true })];
    return `${rowsSha256(readRows(db))}|${extra.join(',')}`;
  } finally {
    db.close();
  }
}

function expectFormat(path: string, k: Key): void {
  const i = info(path);
  if (!k) {
    expect(i.format).toBe('sqlite');
    expect(i.reservedBytes).toBe(0);
    return;
  }
  expect(i.format).toBe('turso');
  expect(i.cipher).toBe(k.cipher);
  expect(fileContains(path, MARK)).toBe(false);
  expect(verifyFile(path, k).ok).toBe(true);
}

function leftovers(): string[] {
  return readdirSync(dir).filter((f) => f.includes('pageseal-rekey') || f.endsWith('-journal'));
}

describe('rekeyFile', () => {
  for (const journal of ['wal', 'delete'] as const) {
    it(`encrypts a stock better-sqlite3 database in ${journal} mode, keeps its mode, rows, schema objects and user_version`, () => {
      const p = join(dir, 'a.db');
      stockDb(p, journal);
      const want = content(p, null);
      const k = key('aegis256');
      const r = rekeyFile(p, { from: null, to: k });
      expect(r).toMatchObject({ from: 'none (plain)', to: 'aegis256', journalMode: journal });
      expectFormat(p, k);
      expect(content(p, k)).toBe(want);
      const db = open(p, { encryption: k });
      expect(db.pragma('journal_mode', { simple: true })).toBe(journal);
      db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)').run(ROWS + 1, 'new', Buffer.alloc(1));
      expect(db.prepare('SELECT count(*) FROM log').pluck().get()).toBe(ROWS + 1); // the trigger came along
      db.close();
      expect(leftovers()).toEqual([]);
    });
  }

  const names = Object.keys(SIDES);
  for (const a of names) {
    for (const b of names) {
      if (a === b && a === 'plain') continue;
      it(`${a} -> ${b}${a === b ? ' (new key)' : ''}`, () => {
        const p = join(dir, 'm.db');
        stockDb(p, 'wal');
        const from = SIDES[a]!();
        if (from) rekeyFile(p, { from: null, to: from });
        const want = content(p, from);
        const to = SIDES[b]!();
        const seen: number[] = [];
        rekeyFile(p, { from, to, onProgress: (d, t) => seen.push(d / t) });
        expect(seen[0]).toBe(0);
        expect(seen.at(-1)).toBe(1);
        expectFormat(p, to);
        expect(content(p, to)).toBe(want);
        if (from) {
          // the old key no longer opens it
          expect(thrown(() => new Database(p, { encryption: from }))).toBeInstanceOf(PagesealError);
        }
      });
    }
  }

  it('keeps rowids everywhere (a table without INTEGER PRIMARY KEY or index too: an FTS index refers to them), generated columns, STRICT and WITHOUT ROWID tables', () => {
    const p = join(dir, 'kinds.db');
    const b = new BetterSqlite3(p);
    b.exec(`CREATE TABLE g(a INTEGER, b AS (a * 2) STORED, c AS (a + 1) VIRTUAL, CHECK (a >= 0));
      CREATE TABLE s(x TEXT COLLATE NOCASE PRIMARY KEY, y INT) STRICT, WITHOUT ROWID;
      CREATE TABLE docs(body);
      CREATE VIRTUAL TABLE fx USING fts5(body, content = 'docs', content_rowid = 'rowid');
      INSERT INTO g(a) VALUES (1), (2), (3); INSERT INTO s VALUES ('A', 1), ('b', 2);
      INSERT INTO docs(rowid, body) VALUES (10, 'alpha beta'), (500, 'gamma delta'), (7, 'epsilon');
      INSERT INTO fx(fx) VALUES ('rebuild');
      DELETE FROM g WHERE a = 2; INSERT INTO g(rowid, a) VALUES (99, 9);`);
    const sig = (db: BetterSqlite3.Database): string =>
      JSON.stringify([
        db.prepare('SELECT rowid, * FROM g ORDER BY rowid').all(),
        db.prepare('SELECT * FROM s').all(),
        db.prepare('SELECT rowid, body FROM docs ORDER BY rowid').all(),
        db.prepare("SELECT rowid, body FROM fx WHERE fx MATCH 'gamma'").all(),
      ]);
    const want = sig(b);
    b.close();
    const k = key('aes256gcm');
    rekeyFile(p, { from: null, to: k });
    const db = new Database(p, { encryption: k });
    expect(sig(db)).toBe(want);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('a wrong current key changes nothing and leaves no copy', () => {
    const p = join(dir, 'w.db');
    stockDb(p, 'delete');
    const k = key('aegis256');
    rekeyFile(p, { from: null, to: k });
    const before = sha256File(p);
    const e = thrown(() => rekeyFile(p, { from: { cipher: 'aegis256', hexkey: randomHexKey(32) }, to: key('aegis256') }));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(sha256File(p)).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  it('says what to do for a plain file given a key, and an encrypted one given none', () => {
    const p = join(dir, 'x.db');
    stockDb(p, 'delete');
    const e = thrown(() => rekeyFile(p, { from: key('aegis256'), to: key('aegis256') })) as FormatError;
    expect(e.code).toBe('NOT_ENCRYPTED');
    expect(e.message).toMatch(/from: null/);
    const o = thrown(() => open(p, { encryption: key('aegis256') })) as FormatError;
    expect(o.code).toBe('NOT_ENCRYPTED');
    expect(o.message).toMatch(/db\.rekey/);
    expect(o.message).toMatch(/pageseal rekey/);
  });

  it('refuses while this process has the file open, changing nothing', () => {
    const p = join(dir, 'o.db');
    stockDb(p, 'wal');
    const before = sha256File(p);
    const held = new BetterSqlite3(p); // a plain connection the key registry does not know of
    held.prepare('SELECT count(*) FROM t').get();
    const e = thrown(() => rekeyFile(p, { from: null, to: key('aegis256') })) as PagesealError;
    expect(e.code).toBe('BUSY');
    held.close();
    expect(sha256File(p)).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  it('removes the copy a killed rekey left, and opening ignores it', () => {
    const p = join(dir, 's.db');
    stockDb(p, 'delete');
    const stale = join(dir, 's.db.pageseal-rekey-0123456789ab');
    writeFileSync(stale, 'half a copy');
    expect(content(p, null)).toContain('|'); // opens as it was
    const k = key('aes128gcm');
    rekeyFile(p, { from: null, to: k });
    expect(existsSync(stale)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('follows a symlink: the file is re-keyed, the link stays a link', () => {
    const real = join(dir, 'real.db');
    stockDb(real, 'wal');
    const link = join(dir, 'link.db');
    symlinkSync(real, link);
    const k = key('aegis256');
    rekeyFile(link, { from: null, to: k });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expectFormat(real, k);
    const db = new Database(link, { encryption: k });
    db.rekey(key('aegis128l'));
    db.close();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(info(real).cipher).toBe('aegis128l');
  });

  it('refuses up front when the disk lacks the space (the check itself)', () => {
    const e = thrown(() => checkFreeSpace(dir, Number.MAX_SAFE_INTEGER)) as PagesealError;
    expect(e.code).toBe('IO');
    expect(e.message).toMatch(/not enough free disk space/);
  });

  it('drops the key registrations it made, and no key stays in native memory', () => {
    const stats = (): { registeredPaths: number; liveKeys: number } => (loadAddon() as unknown as { vfsStats(): { registeredPaths: number; liveKeys: number } }).vfsStats();
    const p = join(dir, 'r.db');
    stockDb(p, 'wal');
    const k1 = key('aegis256');
    const k2 = key('aegis128x4');
    const n = stats().registeredPaths;
    rekeyFile(p, { from: null, to: k1 });
    rekeyFile(p, { from: k1, to: k2 });
    expect(stats().registeredPaths).toBe(n);
    const live = stats().liveKeys;
    const db = new Database(p, { encryption: k2 });
    db.rekey(key('aegis256'));
    expect(stats().liveKeys).toBe(live + 1); // only the new key, held by the open connection
    db.close();
    expect(stats()).toMatchObject({ registeredPaths: n, liveKeys: live });
  });
});

describe('encryptFile on any plain file', () => {
  it('encrypts a stock better-sqlite3 database (reserve 0) without touching it', () => {
    const p = join(dir, 'in.db');
    stockDb(p, 'wal');
    const before = sha256File(p);
    const want = content(p, null);
    const k = key('aegis128l');
    const out = join(dir, 'out.db');
    const r = encryptFile(p, out, k);
    expect(r.pages).toBeGreaterThan(0);
    expect(sha256File(p)).toBe(before);
    expectFormat(out, k);
    expect(content(out, k)).toBe(want);
  });
});

describe('db.rekey', () => {
  for (const journal of ['wal', 'delete'] as const) {
    it(`plain -> encrypted -> other cipher -> plain on one connection (${journal}), statements and functions kept`, () => {
      const p = join(dir, 'd.db');
      stockDb(p, journal);
      const want = content(p, null);
      const db = new Database(p);
      const count = db.prepare('SELECT count(*) FROM t').pluck();
      db.function('twice', (x: number) => 2 * x);
      const k1 = key('aegis256');
      db.rekey(k1);
      expect(count.get()).toBe(ROWS);
      expect(db.prepare('SELECT twice(21)').pluck().get()).toBe(42);
      expect(db.pragma('journal_mode', { simple: true })).toBe(journal);
      db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)').run(ROWS + 1, 'x', Buffer.alloc(3));
      const k2 = key('aes128gcm');
      db.rekey(k2);
      expect(count.get()).toBe(ROWS + 1);
      db.prepare('DELETE FROM t WHERE id = ?').run(ROWS + 1);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      expectFormat(p, k2);
      expect(content(p, k2).split('|')[0]).toBe(want.split('|')[0]);
      const db2 = new Database(p, { encryption: k2 });
      db2.rekey(null);
      expect(db2.prepare('SELECT count(*) FROM t').pluck().get()).toBe(ROWS);
      db2.close();
      expectFormat(p, null);
      const stock = new BetterSqlite3(p);
      expect(stock.pragma('integrity_check', { simple: true })).toBe('ok');
      stock.close();
    });
  }

  it('reports progress, and refuses inside a transaction or on a read-only connection', () => {
    const p = join(dir, 'pr.db');
    stockDb(p, 'delete');
    const db = new Database(p);
    const seen: [number, number][] = [];
    db.rekey(key('aegis256'), { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]![0]).toBe(0);
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
    db.exec('BEGIN');
    expect((thrown(() => db.rekey(key('aegis256'))) as PagesealError).code).toBe('INVALID_OPTIONS');
    db.exec('ROLLBACK');
    db.close();
  });

  it('runs in worker threads, two databases at once', async () => {
    const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
    const script = join(process.cwd(), 'test', 'helpers', 'rekey-worker.ts');
    const jobs = ['w1.db', 'w2.db'].map((name) => {
      const path = join(dir, name);
      stockDb(path, 'wal');
      const from = key('aegis256');
      rekeyFile(path, { from: null, to: from });
      return { path, from, to: key('aes128gcm') };
    });
    const results = await Promise.all(
      jobs.map(
        (job) =>
          new Promise<{ ok: boolean; count?: number; message?: string }>((resolve, reject) => {
            const w = new Worker(viteNode, { argv: [script], workerData: job });
            w.once('message', (m) => {
              resolve(m);
              void w.terminate();
            });
            w.once('error', reject);
          }),
      ),
    );
    expect(results).toEqual([
      { ok: true, count: ROWS },
      { ok: true, count: ROWS },
    ]);
    for (const job of jobs) expectFormat(job.path, job.to);
  });

  it('refuses with a second connection of this process open, changing nothing; both go on working', () => {
    const p = join(dir, 'two.db');
    stockDb(p, 'wal');
    const k = key('aegis256');
    rekeyFile(p, { from: null, to: k });
    const a = new Database(p, { encryption: k });
    const b = new Database(p, { encryption: k });
    b.prepare('SELECT count(*) FROM t').get();
    const before = sha256File(p);
    const e = thrown(() => a.rekey(key('aegis256'))) as PagesealError;
    expect(e.code).toBe('BUSY');
    expect(sha256File(p)).toBe(before);
    a.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)').run(ROWS + 1, 'a', Buffer.alloc(1));
    expect(b.prepare('SELECT count(*) FROM t').pluck().get()).toBe(ROWS + 1);
    expect(a.pragma('journal_mode', { simple: true })).toBe('wal');
    b.close();
    a.rekey(key('aegis128x2')); // alone now
    a.close();
  });

  it('PRAGMA rehexkey through db.pragma and db.exec; refused from a prepared statement', () => {
    const p = join(dir, 'rh.db');
    stockDb(p, 'wal');
    const k = key('aegis256');
    rekeyFile(p, { from: null, to: k });
    const db = new Database(p, { encryption: k });
    const k2 = randomHexKey(32);
    db.pragma(`rehexkey = '${k2}'`);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(ROWS);
    const k3 = randomHexKey(32);
    db.exec(`PRAGMA rehexkey='${k3}';`);
    const e = thrown(() => db.prepare(`PRAGMA rehexkey='${randomHexKey(32)}'`).run()) as Error;
    expect(e.message).toMatch(/db\.rekey/);
    expect(e.message).not.toMatch(/[0-9a-f]{32}/);
    db.close();
    expect(content(p, { cipher: 'aegis256', hexkey: k3 })).toContain('|');
    const plain = new Database(join(dir, 'plain.db'));
    plain.exec('CREATE TABLE z(a)');
    expect(thrown(() => plain.pragma(`rehexkey='${k2}'`))).toBeInstanceOf(PagesealError);
    plain.close();
  });

  it('a connection keyed by PRAGMA cipher/hexkey can rekey too', () => {
    const p = join(dir, 'pk.db');
    stockDb(p, 'delete');
    const k = key('aegis128l');
    rekeyFile(p, { from: null, to: k });
    const db = new Database(p);
    db.pragma(`cipher = '${k.cipher}'`);
    db.pragma(`hexkey = '${k.hexkey}'`);
    const k2 = key('aegis256x2');
    db.rekey(k2);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(ROWS);
    db.close();
    expectFormat(p, k2);
  });
});

describe('another process', () => {
  function holder(path: string, k: Key, mode?: string): Promise<{ child: ChildProcessWithoutNullStreams; lines: string[]; ready: Promise<void>; done: Promise<void> }> {
    const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
    const env = { ...process.env, PAGESEAL_TEST_CIPHER: k?.cipher ?? '', PAGESEAL_TEST_HEXKEY: k?.hexkey ?? '' };
    const child = spawn(process.execPath, [viteNode, join(process.cwd(), 'test', 'helpers', 'rekey-holder.ts'), path, ...(mode ? [mode] : [])], { env });
    const lines: string[] = [];
    let out = '';
    let onReady: () => void;
    const ready = new Promise<void>((r) => (onReady = r));
    child.stdout.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        if (l.startsWith('ready')) onReady();
      }
    });
    const done = new Promise<void>((r) => child.on('close', () => r()));
    return Promise.resolve({ child, lines, ready, done });
  }

  for (const [journal, mode] of [['wal', undefined], ['delete', 'tx']] as const) {
    it(`is detected through SQLite's locks (${journal}${mode ? ', a read transaction open' : ''}) and the rekey refused; nothing corrupted`, async () => {
      const p = join(dir, 'proc.db');
      stockDb(p, journal);
      const k = key('aegis256');
      rekeyFile(p, { from: null, to: k });
      const h = await holder(p, k, mode);
      await h.ready;
      const before = sha256File(p);
      const e1 = thrown(() => rekeyFile(p, { from: k, to: key('aegis256') })) as PagesealError;
      expect(e1.code).toBe('BUSY');
      const db = new Database(p, { encryption: k, timeout: 0 });
      const e2 = thrown(() => db.rekey(key('aes128gcm'))) as PagesealError;
      expect(e2.code).toBe('BUSY');
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(ROWS);
      db.close();
      expect(sha256File(p)).toBe(before);
      expect(leftovers()).toEqual([]);
      h.child.stdin.end();
      await h.done;
      expect(h.lines).toEqual([`ready ${ROWS}`, `after ${ROWS}`]);
      expect(content(p, k)).toContain('|');
    });
  }

  for (const journal of ['wal', 'delete'] as const) {
    it(`a connection that opened the file before the rekey but had not read it cannot touch the new file (${journal})`, async () => {
      const p = join(dir, 'late.db');
      stockDb(p, journal);
      const h = await holder(p, null, 'lazy'); // holds no lock: not detectable, the rekey goes ahead
      await h.ready;
      const k = key('aegis256');
      rekeyFile(p, { from: null, to: k });
      h.child.stdin.end();
      await h.done;
      // Its WAL or journal would be the new file's: refused by the VFS (or, for a journal, by SQLite); a
      // wrapped call types it (PagesealError BUSY), a Statement method leaves SQLite's code.
      expect(h.lines[1]).toMatch(journal === 'wal' ? /^error BUSY$/ : /^error (BUSY|SQLITE_CANTOPEN|SQLITE_READONLY_DBMOVED)$/);
      expect(content(p, k)).toContain('|');
      const db = open(p, { encryption: k });
      expect(db.prepare('SELECT count(*) FROM t WHERE id = -1').pluck().get()).toBe(0);
      db.close();
    });
  }
});

describe('Turso reads the result', () => {
  it('opens a database encrypted from a stock one, then re-keyed to another cipher', async () => {
    if (!(await loadTurso())) return;
    const p = join(dir, 'turso.db');
    stockDb(p, 'wal');
    const k1 = key('aes256gcm');
    rekeyFile(p, { from: null, to: k1 });
    const k2 = key('aegis256');
    const db = new Database(p, { encryption: k1 });
    db.rekey(k2);
    db.close();
    const rows = await readTursoRows(p, k2);
    expect(rowsSha256(rows)).toBe(rowsSha256(makeRows(1, ROWS)));
  });
});
