/**
 * pageseal's page format end to end: databases made through better-sqlite3 and the VFS in WAL and
 * rollback modes, read back, checked by the offline tools; page swaps, copies and transplants
 * detected as typed errors (and the same attacks passing the Turso format's tags, so the checks can
 * fail); format mismatches; SQLite never seeing the database id; PRAGMA page_format on a raw connection.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AuthenticationError, FormatError, InvalidOptionsError, PagesealError, decryptFile, encryptFile, info, install, open, verifyFile, type EncryptionOpts } from '../src/index.js';
import { scratchDir, sha256File } from './helpers/files.js';
import { contentHash, copyPage, judge, readPage, swapPages, transplantPage, writePage } from './helpers/page-attacks.js';

const { dir, cleanup } = scratchDir('pageseal-format-');
afterAll(cleanup);

const HEX = '3c'.repeat(32);
const PAGESEAL: EncryptionOpts = { cipher: 'aegis256', hexkey: HEX, format: 'pageseal' };
const TURSO: EncryptionOpts = { cipher: 'aegis256', hexkey: HEX };
let n = 0;
const fresh = (name: string) => join(dir, `${n++}-${name}.db`);

/** A database of two tables with an index, no free pages; closed (WAL checkpointed). Returns its content hash. */
function build(path: string, enc: EncryptionOpts, mode: 'wal' | 'delete', rows = 400): string {
  const db = open(path, { encryption: enc });
  db.pragma(`journal_mode = ${mode}`);
  db.exec('CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX a_v ON a(v); CREATE TABLE b(id INTEGER PRIMARY KEY, w BLOB)');
  const ia = db.prepare('INSERT INTO a(v) VALUES (?)');
  const ib = db.prepare('INSERT INTO b(w) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      ia.run(`value ${i} `.padEnd(120, String.fromCharCode(97 + (i % 26))));
      ib.run(Buffer.alloc(90, i));
    }
  })();
  const hash = contentHash(db);
  db.close();
  return hash;
}

const pagesOf = (path: string) => info(path).pageCount;

/** verify reports a failed page, or refuses the file (page 1 not a database header any more). */
function verifyFails(path: string, enc: EncryptionOpts): boolean {
  try {
    return !verifyFile(path, enc).ok;
  } catch (e) {
    return e instanceof PagesealError;
  }
}

describe('pageseal format through the VFS', () => {
  for (const mode of ['wal', 'delete'] as const) {
    it(`${mode}: writes, reopens, verifies, decrypts and re-encrypts`, () => {
      const p = fresh(`rt-${mode}`);
      const hash = build(p, PAGESEAL, mode);
      const i = info(p);
      expect(i).toMatchObject({ format: 'pageseal', formatVersion: 1, cipher: 'aegis256', kdf: null, reservedBytes: 48 });
      expect(i.databaseId).toMatch(/^[0-9a-f]{32}$/);
      expect(readFileSync(p).subarray(0, 8).toString('latin1')).toBe('pageseal');
      const db = open(p, { encryption: PAGESEAL });
      expect(contentHash(db)).toBe(hash);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.exec("UPDATE a SET v = v || 'x' WHERE id % 7 = 0");
      db.close();
      expect(verifyFile(p, PAGESEAL)).toMatchObject({ ok: true, failureCount: 0 });
      const plain = p + '.plain';
      decryptFile(p, plain, PAGESEAL);
      const raw = new BetterSqlite3(plain, { readonly: true });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();
      // SQLite's "reserved for expansion" bytes are zero in what SQLite sees (the database id lives there on disk)
      expect(readFileSync(plain).subarray(72, 92).every((b) => b === 0)).toBe(true);
      expect(readFileSync(p).subarray(72, 88).toString('hex')).toBe(i.databaseId);
      const again = p + '.again';
      encryptFile(plain, again, PAGESEAL);
      expect(info(again).databaseId).not.toBe(i.databaseId);
      const db2 = open(again, { encryption: PAGESEAL });
      expect(db2.pragma('integrity_check', { simple: true })).toBe('ok');
      db2.close();
    });
  }

  it('a rollback that plays the journal back restores the pages (journal images are sealed by page number)', () => {
    const p = fresh('rollback');
    const hash = build(p, PAGESEAL, 'delete');
    const db = open(p, { encryption: PAGESEAL });
    db.pragma('cache_size = 2'); // forces the changed pages out to the file before the rollback
    db.exec('BEGIN');
    db.exec("UPDATE a SET v = 'changed'; UPDATE b SET w = zeroblob(10)");
    db.exec('ROLLBACK');
    expect(contentHash(db)).toBe(hash);
    db.close();
    expect(verifyFile(p, PAGESEAL).ok).toBe(true);
  });

  it('VACUUM keeps the database id; two connections opening a new file before its first write share one id', () => {
    const p = fresh('vacuum');
    build(p, PAGESEAL, 'delete');
    const id = info(p).databaseId;
    const db = open(p, { encryption: PAGESEAL });
    db.exec('DELETE FROM a WHERE id % 2 = 0; VACUUM');
    db.close();
    expect(info(p).databaseId).toBe(id);
    expect(verifyFile(p, PAGESEAL).ok).toBe(true);

    const q = fresh('two');
    const first = open(q, { encryption: PAGESEAL });
    const second = open(q, { encryption: PAGESEAL });
    first.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    expect(second.prepare('SELECT x FROM t').pluck().get()).toBe(1);
    second.close();
    first.close();
    expect(verifyFile(q, PAGESEAL).ok).toBe(true);
  });

  it('a WAL left by an open connection is read and verified with its frames bound', () => {
    const p = fresh('wal-open');
    build(p, PAGESEAL, 'wal');
    const writer = open(p, { encryption: PAGESEAL });
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec("UPDATE a SET v = 'in the wal' WHERE id < 50");
    const copy = fresh('wal-copy');
    copyFileSync(p, copy);
    copyFileSync(p + '-wal', copy + '-wal');
    writer.close();
    const r = verifyFile(copy, PAGESEAL);
    expect(r.ok).toBe(true);
    expect(r.framesChecked).toBeGreaterThan(0);
    const db = open(copy, { encryption: PAGESEAL });
    expect(db.prepare("SELECT count(*) FROM a WHERE v = 'in the wal'").pluck().get()).toBe(49);
    db.close();
  });

  it('the other format, a wrong key or the wrong cipher: typed errors, file unchanged', () => {
    const p = fresh('mismatch');
    build(p, PAGESEAL, 'wal');
    const before = sha256File(p);
    expect(() => open(p, { encryption: TURSO })).toThrow(FormatError);
    expect(() => open(p, { encryption: { ...PAGESEAL, hexkey: '3d'.repeat(32) } })).toThrow(AuthenticationError);
    expect(() => open(p, { encryption: { cipher: 'aes256gcm', hexkey: HEX, format: 'pageseal' } })).toThrow(FormatError);
    expect(() => verifyFile(p, TURSO)).toThrow(FormatError);
    expect(sha256File(p)).toBe(before);
    const t = fresh('turso');
    build(t, TURSO, 'wal');
    expect(() => open(t, { encryption: PAGESEAL })).toThrow(FormatError);
    expect(() => decryptFile(t, t + '.out', PAGESEAL)).toThrow(FormatError);
  });

  it('SQLite-visible header bytes 72..91 must stay zero: a page 1 claiming them is refused, not lost', () => {
    const p = fresh('expansion');
    build(p, PAGESEAL, 'delete');
    const plain = p + '.plain';
    decryptFile(p, plain, PAGESEAL);
    const page1 = readPage(plain, 1, 4096);
    page1[80] = 1;
    writePage(plain, 1, page1);
    expect(() => encryptFile(plain, p + '.enc', PAGESEAL)).toThrow(FormatError);
  });
});

describe('page attacks: pageseal detects them as typed errors, Turso tags accept them', () => {
  for (const mode of ['wal', 'delete'] as const) {
    it(`${mode}: swaps, copies and transplants (pages 1..N)`, () => {
      for (const [enc, name] of [[PAGESEAL, 'pageseal'], [TURSO, 'turso']] as const) {
        const base = fresh(`atk-${name}-${mode}`);
        const donor = fresh(`donor-${name}-${mode}`);
        const hash = build(base, enc, mode);
        build(donor, enc, mode);
        const pages = pagesOf(base);
        expect(pages).toBeGreaterThan(8);
        const verdicts: Record<string, number> = {};
        const attacks: Array<(p: string) => void> = [];
        for (let a = 1; a <= pages; a += 3) {
          const b = ((a * 5) % pages) + 1;
          if (a !== b) attacks.push((p) => swapPages(p, a, b, 4096), (p) => copyPage(p, a, b, 4096));
          attacks.push((p) => transplantPage(donor, p, a, 4096));
        }
        for (const [i, attack] of attacks.entries()) {
          const p = fresh(`t-${name}-${mode}-${i}`);
          copyFileSync(base, p);
          attack(p);
          const v = judge(p, enc, hash);
          verdicts[v] = (verdicts[v] ?? 0) + 1;
          if (name === 'pageseal') expect(verifyFails(p, enc)).toBe(true);
        }
        if (name === 'pageseal') expect(verdicts).toEqual({ typed: attacks.length });
        else expect(verdicts.typed ?? 0).toBeLessThan(attacks.length); // the Turso format cannot see most of them
      }
    });
  }

  it('a page put back to its own older version is not visible to either format (documented limit)', () => {
    const p = fresh('older');
    build(p, PAGESEAL, 'delete');
    const old = readPage(p, 3, 4096);
    const db = open(p, { encryption: PAGESEAL });
    db.exec("UPDATE a SET v = 'new'");
    const hash = contentHash(db);
    db.close();
    writePage(p, 3, old);
    expect(verifyFile(p, PAGESEAL).ok).toBe(true);
    expect(judge(p, PAGESEAL, hash)).not.toBe('typed');
  });
});

describe('PRAGMA page_format on a raw connection', () => {
  it('creates a pageseal-format file that open() reads, and PRAGMA passphrase is refused without echoing it', () => {
    install();
    const p = fresh('pragma');
    const raw = new BetterSqlite3(p);
    raw.pragma("page_format = 'pageseal'");
    raw.pragma("cipher = 'aegis256'");
    raw.pragma(`hexkey = '${HEX}'`);
    raw.exec('CREATE TABLE t(x); INSERT INTO t VALUES (42)');
    raw.close();
    expect(info(p).format).toBe('pageseal');
    const db = open(p, { encryption: PAGESEAL });
    expect(db.prepare('SELECT x FROM t').pluck().get()).toBe(42);
    db.close();
    const raw2 = new BetterSqlite3(p);
    let msg = '';
    try {
      raw2.pragma("passphrase = 'hunter2-secret'");
    } catch (e) {
      msg = (e as Error).message;
    }
    raw2.close();
    expect(msg).toMatch(/passphrase/);
    expect(msg).not.toMatch(/hunter2/);
    // an existing pageseal file keyed by pragma takes its id from the file
    const raw3 = new BetterSqlite3(p);
    raw3.pragma("cipher = 'aegis256'");
    raw3.pragma(`hexkey = '${HEX}'`);
    expect(raw3.prepare('SELECT x FROM t').pluck().get()).toBe(42);
    raw3.close();
  });

  it('options: passphrase only with the pageseal format, not both key kinds, a known format', () => {
    const p = fresh('opts');
    expect(() => open(p, { encryption: { cipher: 'aegis256', passphrase: 'x' } as never })).toThrow(InvalidOptionsError);
    expect(() => open(p, { encryption: { cipher: 'aegis256', passphrase: 'x', hexkey: HEX, format: 'pageseal' } as never })).toThrow(InvalidOptionsError);
    expect(() => open(p, { encryption: { cipher: 'aegis256', hexkey: HEX, format: 'sqlcipher' } as never })).toThrow(InvalidOptionsError);
  });
});
