/**
 * AEGIS-256 and AEGIS-256X (degree D = 2 or 4), written from draft-irtf-cfrg-aegis-aead
 * (sections "AEGIS-256" and "AEGIS-256X"). D = 1 is AEGIS-256.
 *
 * State layout: V[j,i] (block j of lane i) is words s[j*L + 4i .. +4), L = 4*D; the 4 words after
 * the 6 blocks hold a copy of V[5,i] during Update. A message block is L words, lane i at 4i.
 */
import { aesRoundInPlace } from './aes-round.js';
import { contextWord, copy4, xor4, xorAcross, type AegisCore } from './core.js';
import { hexBlock, lengthBlock, readBlock, writeBlock } from './words.js';

/** The draft's constants C0 and C1 (Fibonacci sequence mod 256). */
const C0 = hexBlock('000101020305080d1522375990e97962');
const C1 = hexBlock('db3d18556dc22ff12011314273b528dd');

/** Update(M) on every lane; lane i absorbs m[o + i*stride ..]. Blocks go from V5 down to V0. */
function update(s: Int32Array, L: number, m: Int32Array, o: number, stride: number): void {
  const tmp = 6 * L;
  for (let b = 0, mo = 0; b < L; b += 4, mo += stride) {
    copy4(s, tmp, 5 * L + b);
    aesRoundInPlace(s, 5 * L + b, 4 * L + b);
    aesRoundInPlace(s, 4 * L + b, 3 * L + b);
    aesRoundInPlace(s, 3 * L + b, 2 * L + b);
    aesRoundInPlace(s, 2 * L + b, L + b);
    aesRoundInPlace(s, L + b, b);
    xor4(s, b, m, o + mo);
    aesRoundInPlace(s, b, tmp);
  }
}

/** One block: dst = src ^ z, z = V1 ^ V4 ^ V5 ^ (V2 & V3) per lane. */
function keystream(s: Int32Array, L: number, src: Int32Array, so: number, dst: Int32Array, dO: number): void {
  for (let i = 0; i < L; i++) {
    dst[dO + i] = src[so + i]! ^ s[L + i]! ^ s[4 * L + i]! ^ s[5 * L + i]! ^ (s[2 * L + i]! & s[3 * L + i]!);
  }
}

export class Aegis256Core implements AegisCore {
  readonly rate: number;
  readonly keySize = 32;
  readonly nonceSize = 32;
  private readonly D: number;
  private readonly L: number;
  private readonly s: Int32Array;
  /** Init's k0, k1, k0^n0, k1^n1 (then n0, n1), Finalize's t, the length block and the tag words. */
  private readonly m: Int32Array;

  constructor(degree: number) {
    this.D = degree;
    this.L = 4 * degree;
    this.rate = 16 * degree;
    this.s = new Int32Array(6 * this.L + 4);
    this.m = new Int32Array(Math.max(24, 4 * degree + 4));
  }

  init(key: Uint8Array, nonce: Uint8Array): void {
    const { s, L, m } = this;
    readBlock(key, 0, m, 0); // k0
    readBlock(key, 16, m, 4); // k1
    readBlock(nonce, 0, m, 16); // n0
    readBlock(nonce, 16, m, 20); // n1
    for (let w = 0; w < 8; w++) m[8 + w] = m[w]! ^ m[16 + w]!; // k0^n0, k1^n1
    for (let b = 0; b < L; b += 4) {
      for (let w = 0; w < 4; w++) {
        s[b + w] = m[8 + w]!;
        s[L + b + w] = m[12 + w]!;
        s[2 * L + b + w] = C1[w]!;
        s[3 * L + b + w] = C0[w]!;
        s[4 * L + b + w] = m[w]! ^ C0[w]!;
        s[5 * L + b + w] = m[4 + w]! ^ C1[w]!;
      }
    }
    for (let r = 0; r < 4; r++) {
      for (let k = 0; k < 16; k += 4) {
        this.addContext();
        update(s, L, m, k, 0);
      }
    }
  }

  /** V[3,i] ^= ctx[i]; V[5,i] ^= ctx[i] (a no-op for D = 1, where ctx[0] is zero). */
  private addContext(): void {
    for (let i = 0; i < this.D; i++) {
      const c = contextWord(i, this.D);
      this.s[3 * this.L + 4 * i] ^= c;
      this.s[5 * this.L + 4 * i] ^= c;
    }
  }

  absorb(m: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let o = 0, n = 0; n < blocks; n++, o += L) update(s, L, m, o, 4);
  }

  encrypt(src: Int32Array, dst: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let o = 0, n = 0; n < blocks; n++, o += L) {
      keystream(s, L, src, o, dst, o);
      update(s, L, src, o, 4);
    }
  }

  decrypt(src: Int32Array, dst: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let o = 0, n = 0; n < blocks; n++, o += L) {
      keystream(s, L, src, o, dst, o);
      update(s, L, dst, o, 4);
    }
  }

  keystreamXor(src: Int32Array, dst: Int32Array): void {
    keystream(this.s, this.L, src, 0, dst, 0);
  }

  finalize(adBytes: number, msgBytes: number, tag: Uint8Array): void {
    const { s, L, m } = this;
    lengthBlock(adBytes, msgBytes, m, L);
    for (let i = 0; i < L; i++) m[i] = s[3 * L + i]! ^ m[L + (i & 3)]!;
    for (let r = 0; r < 7; r++) update(s, L, m, 0, 4);
    for (let w = 0; w < 4; w++) {
      if (tag.length === 16) {
        m[w] = xorAcross(s, L, 0, 6, w);
      } else {
        m[w] = xorAcross(s, L, 0, 3, w);
        m[4 + w] = xorAcross(s, L, 3, 6, w);
      }
    }
    writeBlock(m, 0, tag, 0);
    if (tag.length === 32) writeBlock(m, 4, tag, 16);
  }

  wipe(): void {
    this.s.fill(0);
    this.m.fill(0);
  }
}
