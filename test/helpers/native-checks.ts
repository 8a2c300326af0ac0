/** Checks shared by the native cipher tests (test/native-ciphers*.test.ts). */
import { expect } from 'vitest';
import { tsBackend } from '../../src/ciphers/ts-backend.js';
import type { Aead, CipherName, CipherSpec } from '../../src/ciphers/types.js';
import { AuthenticationError } from '../../src/errors.js';
import type { CipherVector } from './vectors.js';

export type NamedBackend = [string, Record<CipherName, Aead> | null];

/** Deterministic bytes (xorshift32), so a failing case can be replayed from its seed. */
export function rng(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function checkVector(impl: Aead, v: CipherVector): void {
  const label = `${v.cipher} ${v.name}`;
  if (v.valid) {
    const sealed = impl.encrypt(v.key, v.nonce, v.msg!, v.ad, v.tag.length);
    expect(hex(sealed.ciphertext), label).toBe(hex(v.ct));
    expect(hex(sealed.tag), label).toBe(hex(v.tag));
    expect(hex(impl.decrypt(v.key, v.nonce, v.ct, v.tag, v.ad)), label).toBe(hex(v.msg!));
  } else {
    expect(() => impl.decrypt(v.key, v.nonce, v.ct, v.tag, v.ad), label).toThrow(AuthenticationError);
  }
}

/** Encrypts one random case with TypeScript and every given native path; all must agree, and decrypt. */
export function compareBackends(s: CipherSpec, random: (n: number) => Uint8Array, len: number, paths: NamedBackend[]): void {
  const key = random(s.keySize);
  const nonce = random(s.nonceSize);
  // no AD a quarter of the time, long AD (past the 8- and 16-block GHASH steps) an eighth, else short
  const pick = random(1)[0] % 8;
  const adLen = pick < 2 ? 0 : pick === 2 ? 100 + random(2)[0] * 2 : random(1)[0] % 80;
  const ad = random(adLen);
  const msg = random(len);
  const before = hex(msg);
  const label = `${s.name} len=${len} ad=${adLen} key=${hex(key).slice(0, 8)}...`;
  const ref = tsBackend[s.name].encrypt(key, nonce, msg, ad);
  for (const [pathName, backend] of paths) {
    const got = backend![s.name].encrypt(key, nonce, msg, ad);
    expect(got.ciphertext).toBeInstanceOf(Uint8Array);
    if (hex(got.ciphertext) !== hex(ref.ciphertext)) expect.fail(`${label}: ${pathName} ciphertext differs from TS`);
    if (hex(got.tag) !== hex(ref.tag)) expect.fail(`${label}: ${pathName} tag differs from TS`);
    const back = backend![s.name].decrypt(key, nonce, ref.ciphertext, ref.tag, ad);
    if (hex(back) !== before) expect.fail(`${label}: ${pathName} decrypt differs`);
  }
  expect(hex(msg), 'the input is never modified').toBe(before);
}

export function checkTampering(s: CipherSpec, impl: Aead, random: (n: number) => Uint8Array, len: number): void {
  const key = random(s.keySize);
  const nonce = random(s.nonceSize);
  const ad = random(13);
  const { ciphertext, tag } = impl.encrypt(key, nonce, random(len), ad);
  const flip = (b: Uint8Array, at: number) => {
    const c = Uint8Array.from(b);
    c[at % c.length] ^= 1 << (at % 8);
    return c;
  };
  const at = random(2)[0] * 256 + random(1)[0];
  const attempts: Array<[string, () => unknown]> = [
    ['tag', () => impl.decrypt(key, nonce, ciphertext, flip(tag, at), ad)],
    ['nonce', () => impl.decrypt(key, flip(nonce, at), ciphertext, tag, ad)],
    ['ad', () => impl.decrypt(key, nonce, ciphertext, tag, flip(ad, at))],
    ['no ad', () => impl.decrypt(key, nonce, ciphertext, tag)],
    ['key', () => impl.decrypt(flip(key, at), nonce, ciphertext, tag, ad)],
  ];
  if (len > 0) {
    attempts.push(['ciphertext', () => impl.decrypt(key, nonce, flip(ciphertext, at), tag, ad)]);
    attempts.push(['truncated', () => impl.decrypt(key, nonce, ciphertext.subarray(1), tag, ad)]);
  }
  for (const [what, attempt] of attempts) expect(attempt, `${s.name} len=${len}: tampered ${what}`).toThrow(AuthenticationError);
  expect(impl.decrypt(key, nonce, ciphertext, tag, ad).length).toBe(len);
}
