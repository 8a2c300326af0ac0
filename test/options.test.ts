/**
 * EncryptionOpts `{ cipher, hexkey }`: what resolveEncryption accepts, the typed errors and messages
 * for what it refuses, and that the key never shows up in messages, String(), JSON or inspect().
 */
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { resolveEncryption, ResolvedEncryption } from '../src/options.js';
import { InvalidKeyError, InvalidOptionsError, PagesealError, UnknownCipherError } from '../src/errors.js';
import { CIPHER_NAMES } from '../src/ciphers/registry.js';

/** Recognisable keys: a leak of either (or of a long part of them) is easy to spot. */
const KEY16 = 'deadbeefcafef00d0badc0ffee123456';
const KEY32 = 'deadbeefcafef00d0badc0ffee123456' + 'feedfacec001d00dabad1deaf1e5ca1e';
const FRAGMENTS = ['deadbeef', 'cafef00d', '0badc0ff', 'feedface', 'c001d00d', 'DEADBEEF', 'de ad be ef'];

function errorOf(f: () => unknown): PagesealError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PagesealError);
    return e as PagesealError;
  }
  throw new Error('expected an error');
}

function expectNoKey(text: string): void {
  for (const f of FRAGMENTS) expect(text.toLowerCase()).not.toContain(f.toLowerCase());
}

/** Every rendering of an error a user might log. */
function renderings(e: unknown): string[] {
  const err = e as Error;
  return [err.message, String(err), inspect(err), JSON.stringify(err), err.stack ?? ''];
}

describe('resolveEncryption accepts', () => {
  it('every cipher with a key of its size, in either case and with 0x', () => {
    for (const name of CIPHER_NAMES) {
      const hex = name.startsWith('aes128') || name.startsWith('aegis128') ? KEY16 : KEY32;
      const r = resolveEncryption({ cipher: name.toUpperCase(), hexkey: hex.toUpperCase() });
      expect(r.cipher.name).toBe(name);
      expect(Buffer.from(r.key).toString('hex')).toBe(hex);
      expect(resolveEncryption({ cipher: name, hexkey: '0x' + hex }).key.length).toBe(hex.length / 2);
    }
  });

  it('aliases such as aes-256-gcm', () => {
    expect(resolveEncryption({ cipher: 'AES-256-GCM', hexkey: KEY32 }).cipher.name).toBe('aes256gcm');
  });
});

describe('resolveEncryption refuses', () => {
  it('a non-object with InvalidOptionsError', () => {
    for (const bad of [null, undefined, 'aegis256', 42, true]) {
      const e = errorOf(() => resolveEncryption(bad));
      expect(e).toBeInstanceOf(InvalidOptionsError);
      expect(e.code).toBe('INVALID_OPTIONS');
      expect(e.message).toMatch(/object/);
    }
  });

  it('a missing or non-string cipher, and a missing hexkey, with InvalidOptionsError', () => {
    expect(errorOf(() => resolveEncryption({ hexkey: KEY32 }))).toBeInstanceOf(InvalidOptionsError);
    expect(errorOf(() => resolveEncryption({ cipher: 7, hexkey: KEY32 }))).toBeInstanceOf(InvalidOptionsError);
    const e = errorOf(() => resolveEncryption({ cipher: 'aegis256' }));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect(e.message).toMatch(/hexkey/);
  });

  it('an unknown cipher with UnknownCipherError listing the valid ones', () => {
    const e = errorOf(() => resolveEncryption({ cipher: 'rot13', hexkey: KEY32 }));
    expect(e).toBeInstanceOf(UnknownCipherError);
    expect(e.message).toContain('rot13');
    for (const name of CIPHER_NAMES) expect(e.message).toContain(name);
    for (const r of renderings(e)) expectNoKey(r);
  });

  it('bad hex with InvalidKeyError naming the position of the bad character', () => {
    const bad = KEY32.slice(0, 10) + 'g' + KEY32.slice(11);
    const e = errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: bad }));
    expect(e).toBeInstanceOf(InvalidKeyError);
    expect(e.code).toBe('INVALID_KEY');
    expect(e.message).toMatch(/position 10\b/);
    for (const r of renderings(e)) expectNoKey(r);
    // With a 0x prefix the position counts from the start of the string as given.
    expect(errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: '0x' + bad })).message).toMatch(/position 12\b/);
    expect(errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: ' ' + KEY32 })).message).toMatch(/position 0\b/);
  });

  it('an odd number of hex digits with InvalidKeyError', () => {
    const e = errorOf(() => resolveEncryption({ cipher: 'aegis128l', hexkey: KEY16 + 'a' }));
    expect(e).toBeInstanceOf(InvalidKeyError);
    expect(e.message).toMatch(/odd/);
    for (const r of renderings(e)) expectNoKey(r);
  });

  it('an empty or non-string hexkey with InvalidKeyError', () => {
    expect(errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: '' }))).toBeInstanceOf(InvalidKeyError);
    expect(errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: 1234 }))).toBeInstanceOf(InvalidKeyError);
    const bytes = errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: Buffer.from(KEY32, 'hex') }));
    expect(bytes).toBeInstanceOf(InvalidKeyError);
    for (const r of renderings(bytes)) expectNoKey(r);
  });

  it('a key whose size does not match the cipher, saying expected vs got', () => {
    const short = errorOf(() => resolveEncryption({ cipher: 'aegis256', hexkey: KEY16 }));
    expect(short).toBeInstanceOf(InvalidKeyError);
    expect(short.message).toMatch(/expected 32 bytes/);
    expect(short.message).toMatch(/got 16 bytes/);
    const long = errorOf(() => resolveEncryption({ cipher: 'aes128gcm', hexkey: KEY32 }));
    expect(long.message).toMatch(/expected 16 bytes/);
    expect(long.message).toMatch(/got 32 bytes/);
    for (const e of [short, long]) for (const r of renderings(e)) expectNoKey(r);
  });
});

describe('ResolvedEncryption', () => {
  it('never shows the key in String(), JSON.stringify() or util.inspect()', () => {
    const r = resolveEncryption({ cipher: 'aegis256', hexkey: KEY32 });
    const texts = [String(r), `${r}`, JSON.stringify(r), JSON.stringify({ r }), inspect(r), inspect({ r }, { depth: 5 }), inspect(r, { showHidden: true })];
    for (const t of texts) {
      expectNoKey(t);
      expect(t).toContain('aegis256');
    }
    expect(r).toBeInstanceOf(ResolvedEncryption);
  });

  it('wipe() zeroes the key bytes', () => {
    const r = resolveEncryption({ cipher: 'aegis128l', hexkey: KEY16 });
    const view = r.key;
    expect(view.some((b) => b !== 0)).toBe(true);
    r.wipe();
    expect(view.every((b) => b === 0)).toBe(true);
    expect(r.key.every((b) => b === 0)).toBe(true);
  });
});
