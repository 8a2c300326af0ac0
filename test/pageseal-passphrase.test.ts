/**
 * Passphrases (pageseal's format only): scrypt with the database id as salt and the parameters in
 * page 1's header (authenticated), a fixed KDF vector, a wrong passphrase as a typed error with the
 * file unchanged, and the passphrase never in errors, inspect or JSON output.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scryptSync } from 'node:crypto';
import { AuthenticationError, FormatError, InvalidOptionsError, decryptFile, findCipherSpec, info, open, resolveEncryptionFor, verifyFile, type EncryptionOpts } from '../src/index.js';
import { deriveKey, DEFAULT_SCRYPT } from '../src/kdf.js';
import { scratchDir, sha256File } from './helpers/files.js';

const { dir, cleanup } = scratchDir('pageseal-pass-');
afterAll(cleanup);
const SECRET = 'correct horse battery staple';
const FAST = { log2N: 11, r: 8, p: 1 }; // tests only: the default is N = 2^17
const enc = (passphrase = SECRET): EncryptionOpts => ({ cipher: 'aegis256', passphrase, format: 'pageseal', kdf: FAST });
let n = 0;
const fresh = () => join(dir, `${n++}.db`);

function create(path: string): void {
  const db = open(path, { encryption: enc() });
  db.pragma('journal_mode = wal');
  db.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('hello')");
  db.close();
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return `${(e as Error).name} ${(e as Error).message} ${inspect(e)} ${JSON.stringify(e)}`;
  }
  return '';
}

describe('passphrases', () => {
  it('the key is scrypt(passphrase, "pageseal scrypt v1" | cipher id | database id) with the stored parameters', () => {
    const id = Uint8Array.from({ length: 16 }, (_, i) => i);
    const spec = findCipherSpec('aegis256');
    const key = deriveKey('pässword', spec, id, { name: 'scrypt', log2N: 10, r: 8, p: 1 });
    const salt = Buffer.concat([Buffer.from('pageseal scrypt v1'), Buffer.of(3), Buffer.from(id)]);
    expect(Buffer.from(key).toString('hex')).toBe(scryptSync(Buffer.from('pässword', 'utf8'), salt, 32, { N: 1024, r: 8, p: 1 }).toString('hex'));
    // pinned, so a change of label, salt layout or encoding is caught
    expect(Buffer.from(key).toString('hex')).toBe('9506ba236178c251dcd792ad1d4ff1ca779b0292fbb795a418909a01204549ae');
    expect(DEFAULT_SCRYPT).toMatchObject({ log2N: 17, r: 8, p: 1 });
  });

  it('creates, reopens, and reports the KDF; tools take the passphrase too', () => {
    const p = fresh();
    create(p);
    const i = info(p);
    expect(i.format).toBe('pageseal');
    expect(i.kdf).toEqual({ name: 'scrypt', ...FAST });
    const db = open(p, { encryption: { cipher: 'aegis256', passphrase: SECRET, format: 'pageseal' } }); // parameters come from the file
    expect(db.prepare('SELECT x FROM t').pluck().get()).toBe('hello');
    db.close();
    expect(verifyFile(p, enc()).ok).toBe(true);
    decryptFile(p, p + '.plain', enc());
  });

  it('a wrong passphrase: AuthenticationError, file unchanged, passphrase in no message', () => {
    const p = fresh();
    create(p);
    const before = sha256File(p);
    const wrong = 'wrong passphrase 12345';
    expect(() => open(p, { encryption: enc(wrong) })).toThrow(AuthenticationError);
    const msg = messageOf(() => open(p, { encryption: enc(wrong) }));
    expect(msg).not.toContain(wrong);
    expect(msg).not.toContain(SECRET);
    expect(messageOf(() => verifyFile(p, enc(wrong)))).not.toContain(wrong);
    expect(sha256File(p)).toBe(before);
  });

  it('the KDF parameters are authenticated: lowering them in the file fails', () => {
    const p = fresh();
    create(p);
    const bytes = readFileSync(p);
    bytes[12] = 10; // log2N 11 -> 10: half the work for a guesser, if it went unnoticed
    writeFileSync(p, bytes);
    expect(() => open(p, { encryption: enc() })).toThrow(AuthenticationError);
    bytes[12] = 60; // absurd: refused before any work
    writeFileSync(p, bytes);
    expect(() => open(p, { encryption: enc() })).toThrow(FormatError);
  });

  it('refuses a passphrase for a raw-key database, and parameters out of range', () => {
    const p = fresh();
    const db = open(p, { encryption: { cipher: 'aegis256', hexkey: '00'.repeat(32), format: 'pageseal' } });
    db.exec('CREATE TABLE t(x)');
    db.close();
    expect(() => open(p, { encryption: enc() })).toThrow(InvalidOptionsError);
    expect(() => open(fresh(), { encryption: { ...enc(), kdf: { log2N: 40 } } as EncryptionOpts })).toThrow(InvalidOptionsError);
  });

  it('a resolved passphrase key prints as redacted', () => {
    const r = resolveEncryptionFor(enc(), null);
    expect(`${inspect(r)} ${JSON.stringify(r)} ${String(r)}`).not.toMatch(new RegExp(Buffer.from(r.key).toString('hex')));
    expect(inspect(r)).not.toContain(SECRET);
    r.wipe();
    expect(r.key.every((b) => b === 0)).toBe(true);
  });
});

describe('PRAGMA passphrase through pageseal Database', () => {
  it('keys a new database (default parameters) and an existing one; a wrong passphrase fails at the first read, not echoed; PRAGMA cipher must come first', async () => {
    const { Database } = await import('../src/index.js');
    const p = fresh();
    const db = new Database(p);
    db.pragma("cipher = 'aegis256'");
    db.pragma(`passphrase = 'it''s a secret'`);
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('via pragma')");
    db.close();
    expect(info(p)).toMatchObject({ format: 'pageseal', kdf: { name: 'scrypt', log2N: 17, r: 8, p: 1 } });
    const again = open(p, { encryption: { cipher: 'aegis256', passphrase: "it's a secret", format: 'pageseal' } });
    expect(again.prepare('SELECT x FROM t').pluck().get()).toBe('via pragma');
    again.close();
    const db2 = new Database(p);
    db2.pragma("cipher = 'aegis256'");
    db2.pragma(`passphrase = "it's a secret"`);
    expect(db2.prepare('SELECT x FROM t').pluck().get()).toBe('via pragma');
    db2.close();
    const wrong = new Database(p);
    wrong.pragma("cipher = 'aegis256'");
    wrong.pragma("passphrase = 'nope nope'");
    const msg = messageOf(() => wrong.prepare('SELECT x FROM t').pluck().get());
    expect(msg).toMatch(/AuthenticationError|disk I\/O/);
    expect(msg).not.toContain('nope nope');
    wrong.close();
    const noCipher = new Database(fresh());
    expect(() => noCipher.pragma("passphrase = 'x'")).toThrow(InvalidOptionsError);
    noCipher.close();
  });
});
