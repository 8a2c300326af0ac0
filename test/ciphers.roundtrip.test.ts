/**
 * Round trips and tamper detection for all 8 ciphers on every available backend: messages whose
 * lengths sit on and around block boundaries, random AD, any flipped bit of ciphertext, tag, AD or
 * nonce rejected, wrong key rejected, bad argument sizes rejected with RangeError / TypeError, and
 * the backends agreeing byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { AuthenticationError } from '../src/errors.js';
import { CIPHER_SPECS, availableBackends, getCipher } from '../src/ciphers/registry.js';
import type { Cipher } from '../src/ciphers/types.js';

const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4048, 65500];
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

function tagLengthsOf(c: Cipher): number[] {
  return c.name.startsWith('aegis') ? [16, 32] : [16];
}

for (const spec of CIPHER_SPECS) {
  for (const backend of availableBackends()) {
    describe(`${spec.name} (${backend})`, () => {
      const c = getCipher(spec.name, { backend });
      const key = random(spec.keySize);
      const nonce = random(spec.nonceSize);

      it('round-trips every length with random AD and both tag lengths', () => {
        for (const tagLength of tagLengthsOf(c)) {
          for (const n of LENGTHS) {
            const msg = random(n);
            const ad = random(n % 37);
            const { ciphertext, tag } = c.encrypt(key, nonce, msg, ad, tagLength);
            expect(ciphertext.length).toBe(n);
            expect(tag.length).toBe(tagLength);
            if (n >= 16) expect(Buffer.from(ciphertext).equals(Buffer.from(msg))).toBe(false);
            expect(Buffer.from(c.decrypt(key, nonce, ciphertext, tag, ad)).equals(Buffer.from(msg)), `length ${n}`).toBe(true);
          }
        }
      });

      it('treats a missing AD as empty AD', () => {
        const msg = random(100);
        const a = c.encrypt(key, nonce, msg);
        const b = c.encrypt(key, nonce, msg, new Uint8Array(0));
        expect(Buffer.from(a.tag).equals(Buffer.from(b.tag))).toBe(true);
        expect(Buffer.from(c.decrypt(key, nonce, a.ciphertext, a.tag)).equals(Buffer.from(msg))).toBe(true);
      });

      it('gives the same bytes for unaligned views of the inputs', () => {
        const msg = random(4096);
        const ad = random(100);
        const expected = c.encrypt(key, nonce, msg, ad);
        const store = new Uint8Array(4096 + 100 + 3);
        store.set(msg, 1);
        store.set(ad, 4098);
        const got = c.encrypt(key, nonce, store.subarray(1, 4097), store.subarray(4098, 4198));
        expect(Buffer.from(got.ciphertext).equals(Buffer.from(expected.ciphertext))).toBe(true);
        expect(Buffer.from(got.tag).equals(Buffer.from(expected.tag))).toBe(true);
        store.set(expected.ciphertext, 3);
        const opened = c.decrypt(key, nonce, store.subarray(3, 4099), expected.tag, ad);
        expect(Buffer.from(opened).equals(Buffer.from(msg))).toBe(true);
      });

      for (const tagLength of tagLengthsOf(c)) {
        it(`rejects any flipped bit of ciphertext, tag, AD or nonce (${tagLength}-byte tag)`, () => {
          const msg = random(33);
          const ad = random(21);
          const { ciphertext, tag } = c.encrypt(key, nonce, msg, ad, tagLength);
          const fails = (f: () => unknown) => expect(f).toThrow(AuthenticationError);
          for (let bit = 0; bit < ciphertext.length * 8; bit++) fails(() => c.decrypt(key, nonce, flipBit(ciphertext, bit), tag, ad));
          for (let bit = 0; bit < tag.length * 8; bit++) fails(() => c.decrypt(key, nonce, ciphertext, flipBit(tag, bit), ad));
          for (let bit = 0; bit < ad.length * 8; bit++) fails(() => c.decrypt(key, nonce, ciphertext, tag, flipBit(ad, bit)));
          for (let bit = 0; bit < nonce.length * 8; bit++) fails(() => c.decrypt(key, flipBit(nonce, bit), ciphertext, tag, ad));
          // The untouched inputs still open.
          expect(Buffer.from(c.decrypt(key, nonce, ciphertext, tag, ad)).equals(Buffer.from(msg))).toBe(true);
        });
      }

      it('rejects flipped bits in a full page, truncation, dropped AD and a wrong-length tag', () => {
        const msg = random(4048);
        const ad = random(100);
        const { ciphertext, tag } = c.encrypt(key, nonce, msg, ad);
        for (const bit of [0, 7, 8 * 2000 + 3, 8 * 4047 + 7]) {
          expect(() => c.decrypt(key, nonce, flipBit(ciphertext, bit), tag, ad)).toThrow(AuthenticationError);
        }
        expect(() => c.decrypt(key, nonce, ciphertext.subarray(0, 4047), tag, ad)).toThrow(AuthenticationError);
        expect(() => c.decrypt(key, nonce, ciphertext, tag)).toThrow(AuthenticationError);
        expect(() => c.decrypt(key, nonce, ciphertext, tag.subarray(0, 15), ad)).toThrow(AuthenticationError);
      });

      it('rejects a wrong key', () => {
        const msg = random(200);
        const { ciphertext, tag } = c.encrypt(key, nonce, msg);
        const other = key.slice();
        other[0] ^= 1;
        expect(() => c.decrypt(other, nonce, ciphertext, tag)).toThrow(AuthenticationError);
        expect(() => c.decrypt(random(spec.keySize), nonce, ciphertext, tag)).toThrow(AuthenticationError);
      });

      it('rejects wrong-size keys and nonces with RangeError, non-bytes with TypeError', () => {
        const msg = random(10);
        const { ciphertext, tag } = c.encrypt(key, nonce, msg);
        for (const n of [0, spec.keySize - 1, spec.keySize + 1, spec.keySize === 16 ? 32 : 16]) {
          expect(() => c.encrypt(random(n), nonce, msg)).toThrow(RangeError);
          expect(() => c.decrypt(random(n), nonce, ciphertext, tag)).toThrow(RangeError);
        }
        for (const n of [0, spec.nonceSize - 1, spec.nonceSize + 1]) {
          expect(() => c.encrypt(key, random(n), msg)).toThrow(RangeError);
          expect(() => c.decrypt(key, random(n), ciphertext, tag)).toThrow(RangeError);
        }
        const notBytes = 'not bytes' as unknown as Uint8Array;
        expect(() => c.encrypt(notBytes, nonce, msg)).toThrow(TypeError);
        expect(() => c.encrypt(key, notBytes, msg)).toThrow(TypeError);
        expect(() => c.encrypt(key, nonce, notBytes)).toThrow(TypeError);
        expect(() => c.decrypt(key, nonce, notBytes, tag)).toThrow(TypeError);
        expect(() => c.encrypt(key, nonce, msg, undefined, 8)).toThrow(RangeError);
      });
    });
  }
}

describe('backends agree', () => {
  const backends = availableBackends();
  it.skipIf(backends.length < 2)('TS and native produce identical ciphertext and tags', () => {
    for (const spec of CIPHER_SPECS) {
      const key = random(spec.keySize);
      const nonce = random(spec.nonceSize);
      for (const n of LENGTHS) {
        const msg = random(n);
        const ad = random(n % 41);
        const [a, b] = backends.map((backend) => getCipher(spec.name, { backend }).encrypt(key, nonce, msg, ad));
        expect(Buffer.from(a!.ciphertext).equals(Buffer.from(b!.ciphertext)), `${spec.name} ${n}`).toBe(true);
        expect(Buffer.from(a!.tag).equals(Buffer.from(b!.tag)), `${spec.name} ${n}`).toBe(true);
      }
    }
  });
});
