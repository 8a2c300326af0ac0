/**
 * Issue 7, native/VFS side: setups that could leave a keyed database in plaintext, or read what is no
 * committed state, must fail closed with a typed error. Each test failed before its fix.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { install, open, PagesealError } from '../src/index.js';
import { runScript, thrown } from './helpers/run-script.js';

const HEXKEY = '5a'.repeat(32);
const OTHER_HEXKEY = 'a5'.repeat(32);
const enc = { encryption: { cipher: 'aegis256' as const, hexkey: HEXKEY } };
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-failclosed-'));
  install();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  return join(dir, `db${++counter}.db`);
}

function holdsPlaintext(path: string): boolean {
  return existsSync(path) && readFileSync(path).includes('plaintext-marker-row');
}

async function uriChild(args: string[], hexkey = HEXKEY): Promise<Record<string, unknown>> {
  const out = await runScript('uri-child.ts', args, { SQLITE_USE_URI: '1', PAGESEAL_TEST_HEXKEY: hexkey });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('powersafe-overwrite (item 11)', () => {
  it('is not forced on a file without a key: a psow=0 -wal is padded exactly as without pageseal', async () => {
    const without = await uriChild(['psow', freshPath(), '0']);
    const withVfs = await uriChild(['psow', freshPath(), '1']);
    expect(withVfs.walSize).toBe(without.walSize);
  }, 60_000);
});

describe('other extensions\' key pragmas (item 2)', () => {
  for (const pragma of ['key', 'textkey', 'KEY']) {
    it(`PRAGMA ${pragma}='...' fails, names PRAGMA hexkey, never echoes the value, writes nothing`, () => {
      const path = freshPath();
      const db = new BetterSqlite3(path);
      try {
        const e = thrown(() => db.pragma(`${pragma}='correct horse battery'`)) as Error;
        expect(e.message).toMatch(/PRAGMA hexkey/);
        expect(e.message).not.toMatch(/horse/);
      } finally {
        db.close();
      }
      expect(readFileSync(path).length).toBe(0);
    });
  }
  for (const pragma of ['rekey', 'hexrekey', 'textrekey']) {
    it(`PRAGMA ${pragma} fails and names PRAGMA rehexkey / db.rekey() / pageseal rekey`, () => {
      const path = freshPath();
      const db = open(path, enc);
      try {
        db.exec('CREATE TABLE t(x)');
        const e = thrown(() => db.pragma(`${pragma}='${OTHER_HEXKEY}'`)) as Error;
        expect(e.message).toMatch(/PRAGMA rehexkey/);
        expect(e.message).toMatch(/db\.rekey\(\)/);
        expect(e.message).toMatch(/pageseal rekey/);
        expect(e.message).not.toContain(OTHER_HEXKEY);
      } finally {
        db.close();
      }
      // still opens with the old key
      open(path, enc).close();
    });
  }
  it('SQLCipher settings (cipher_compatibility, kdf_iter) fail instead of being ignored', () => {
    const db = new BetterSqlite3(freshPath());
    try {
      expect((thrown(() => db.pragma('cipher_compatibility = 4')) as Error).message).toMatch(/pageseal has no such setting/);
      expect((thrown(() => db.pragma('kdf_iter = 64000')) as Error).message).toMatch(/pageseal has no such setting/);
    } finally {
      db.close();
    }
  });
  it('PRAGMA hexkey with the key the connection already has is a no-op success; another key still fails', () => {
    const path = freshPath();
    const db = open(path, enc);
    try {
      db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
      expect(() => db.pragma(`hexkey='${HEXKEY}'`)).not.toThrow();
      expect(() => db.pragma(`hexkey='${HEXKEY.toUpperCase()}'`)).not.toThrow();
      expect(() => db.pragma(`cipher='aegis256'`)).not.toThrow();
      expect(() => db.pragma(`hexkey='${OTHER_HEXKEY}'`)).toThrow(/already has a key/);
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });
  it('PRAGMA hexkey re-run by setup code on a PRAGMA-keyed connection succeeds', () => {
    const path = freshPath();
    const db = new BetterSqlite3(path);
    try {
      db.pragma(`cipher='aegis256'`);
      db.pragma(`hexkey='${HEXKEY}'`);
      db.exec('CREATE TABLE t(x)');
      db.pragma(`cipher='aegis256'`);
      db.pragma(`hexkey='${HEXKEY}'`);
    } finally {
      db.close();
    }
    open(path, enc).close();
  });
  it('PRAGMA cipher with no value gives a simple value', () => {
    const db = open(freshPath(), enc);
    try {
      expect(db.pragma('cipher', { simple: true })).toBe('aegis256');
    } finally {
      db.close();
    }
  });
});

describe('URI filenames and vfs= (item 1)', () => {
  it('open("file:<path>") with a key encrypts the file SQLite opens (URI filenames on)', async () => {
    const path = freshPath();
    const r = await uriChild(['open', `file:${path}`, 'aegis256']);
    expect(r).toEqual({ ok: true });
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('Turso');
    expect(holdsPlaintext(path)).toBe(false);
    expect(existsSync(`file:${path}`)).toBe(false);
    const db = open(path, enc);
    expect(db.prepare('SELECT x FROM t').pluck().get()).toBe('plaintext-marker-row');
    db.close();
  }, 60_000);
  it('file: URIs are resolved as SQLite does (file:///, localhost, %-escapes, query, fragment)', async () => {
    const path = join(dir, `uri db ${++counter}.db`);
    const uri = `file://localhost${path.replace(/ /g, '%20')}?mode=rwc&cache=private#frag`;
    expect(await uriChild(['open', uri, 'aegis256'])).toEqual({ ok: true });
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('Turso');
    expect(holdsPlaintext(path)).toBe(false);
  }, 60_000);
  it('a vfs= URI parameter is refused with a key, before any file is touched', async () => {
    const path = freshPath();
    const r = await uriChild(['open', `file:${path}?vfs=unix`, 'aegis256']);
    expect(r.ok).toBe(false);
    expect(r.name).toBe('InvalidOptionsError');
    expect(r.message).toMatch(/vfs=/);
    expect(existsSync(path)).toBe(false);
  }, 60_000);
  it('after every keyed open the VFS is asked whether the file SQLite opened holds the key: if not, KeyNotAppliedError and nothing written', async () => {
    const path = freshPath();
    const r = await uriChild(['mismatch', `file:${path}`, 'aegis256']);
    expect(r.ok).toBe(false);
    expect(r.name).toBe('KeyNotAppliedError');
    expect(r.code).toBe('KEY_NOT_APPLIED');
    expect(holdsPlaintext(path)).toBe(false);
    expect(existsSync(path) ? readFileSync(path).length : 0).toBe(0);
  }, 60_000);
  it('vfs= is refused in the same process too, URI filenames on or not', () => {
    const path = freshPath();
    const e = thrown(() => open(`file:${path}?vfs=unix-none`, enc));
    expect(e).toBeInstanceOf(PagesealError);
    expect((e as PagesealError).code).toBe('INVALID_OPTIONS');
  });
});
