/**
 * Every published vector (vectors/*.json) against every cipher implementation this process has:
 * the TS backend always, the native backend (fastest CPU path, and forced portable C) when the
 * addon is built. Valid entries must encrypt to ct || tag and decrypt back to msg; must-fail entries
 * must throw AuthenticationError. AEGIS runs with both its 128-bit and 256-bit tags.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { AuthenticationError } from '../src/errors.js';
import { availableBackends, getCipher } from '../src/ciphers/registry.js';
import { nativeBackendPortable } from '../src/ciphers/native-backend.js';
import { aesRound } from '../src/ciphers/aegis/index.js';
import type { Aead, CipherName } from '../src/ciphers/types.js';
import { loadCipherVectors, type CipherVector } from './helpers/vectors.js';

const load = (file: string) => JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), 'utf8'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** Every implementation to check: each available registry backend, plus native forced portable. */
function implementations(name: CipherName): { label: string; aead: Aead }[] {
  const list: { label: string; aead: Aead }[] = availableBackends().map((b) => ({ label: b, aead: getCipher(name, { backend: b }) }));
  const portable = nativeBackendPortable();
  if (portable) list.push({ label: 'native-portable', aead: portable[name] });
  return list;
}

const ALL_VECTORS = loadCipherVectors();
const entriesFor = (name: CipherName): CipherVector[] => ALL_VECTORS.filter((v) => v.cipher === name);

const CIPHERS: CipherName[] = ['aes128gcm', 'aes256gcm', 'aegis128l', 'aegis128x2', 'aegis128x4', 'aegis256', 'aegis256x2', 'aegis256x4'];

describe('vector files', () => {
  it('name their source and hold valid and must-fail entries', () => {
    for (const name of CIPHERS) {
      const entries = entriesFor(name);
      expect(entries.length, name).toBeGreaterThan(0);
      expect(entries.some((e) => e.valid), name).toBe(true);
    }
    expect(load('aegis128l.json').source.document).toMatch(/draft-irtf-cfrg-aegis-aead/);
    expect(Object.keys(load('aes-gcm.json').source)).toEqual(['Wycheproof', 'McGrew-Viega']);
    for (const name of ['aegis128l', 'aegis256', 'aes128gcm', 'aes256gcm'] as CipherName[]) {
      expect(entriesFor(name).some((e) => !e.valid), name).toBe(true);
    }
  });

  it('cover both AEGIS tag lengths for every AEGIS cipher', () => {
    for (const name of CIPHERS.filter((n) => n.startsWith('aegis'))) {
      const lengths = new Set(entriesFor(name).map((e) => e.tag.length));
      expect([...lengths].sort(), name).toEqual([16, 32]);
    }
  });
});

for (const name of CIPHERS) {
  describe(name, () => {
    for (const { label, aead } of implementations(name)) {
      it(`${label}: every valid vector encrypts to ct+tag and decrypts to msg`, () => {
        const valid = entriesFor(name).filter((e) => e.valid);
        for (const e of valid) {
          const sealed = aead.encrypt(e.key, e.nonce, e.msg ?? new Uint8Array(0), e.ad, e.tag.length);
          expect(toHex(sealed.ciphertext), e.name).toBe(toHex(e.ct));
          expect(toHex(sealed.tag), e.name).toBe(toHex(e.tag));
          const opened = aead.decrypt(e.key, e.nonce, e.ct, e.tag, e.ad);
          expect(toHex(opened), e.name).toBe(toHex(e.msg ?? new Uint8Array(0)));
        }
      });

      it(`${label}: every must-fail vector throws AuthenticationError`, () => {
        const invalid = entriesFor(name).filter((e) => !e.valid);
        for (const e of invalid) {
          expect(() => aead.decrypt(e.key, e.nonce, e.ct, e.tag, e.ad), e.name).toThrow(AuthenticationError);
        }
      });
    }
  });
}

describe('AESRound', () => {
  it('matches the draft vector', () => {
    for (const e of load('aes-round.json').entries as { name: string; in: string; rk: string; out: string }[]) {
      expect(toHex(aesRound(hex(e.in), hex(e.rk))), e.name).toBe(e.out);
    }
  });
});
