/**
 * AEGIS-128L and AEGIS-128X (degree D = 2 or 4), written from draft-irtf-cfrg-aegis-aead
 * (sections "AEGIS-128L" and "AEGIS-128X"). AEGIS-128X with D = 1 is AEGIS-128L (the draft's
 * "Implementation Considerations"), so one core serves all three.
 *
 * State layout: V[j,i] (block j of lane i) is words s[j*L + 4i .. +4), L = 4*D; the 4 words after
 * the 8 blocks hold a copy of V[7,i] during Update. A message block is M0 (L words, lane i at 4i)
 * followed by M1 (L words).
 */
import { aesRoundInPlace } from './aes-round.js';
import { contextWord, copy4, xor4, xorAcross, type AegisCore } from './core.js';
import { hexBlock, lengthBlock, readBlock, writeBlock } from './words.js';

/** The draft's constants C0 and C1 (Fibonacci sequence mod 256). */
const C0 = hexBlock('000101020305080d1522375990e97962');
const C1 = hexBlock('db3d18556dc22ff12011314273b528dd');

/**
 * Update(M0, M1) on every lane. Lane i absorbs m[o0 + i*stride ..] and m[o1 + i*stride ..]
 * (stride 4 for a message block, 0 to give every lane the same words). Blocks are updated from
 * V7 down to V0 so each AESRound still reads its predecessor's old value.
 */
function update(s: Int32Array, L: number, m: Int32Array, o0: number, o1: number, stride: number): void {
  const tmp = 8 * L;
  for (let b = 0, mo = 0; b < L; b += 4, mo += stride) {
    copy4(s, tmp, 7 * L + b);
    aesRoundInPlace(s, 7 * L + b, 6 * L + b);
    aesRoundInPlace(s, 6 * L + b, 5 * L + b);
    aesRoundInPlace(s, 5 * L + b, 4 * L + b);
    xor4(s, 4 * L + b, m, o1 + mo);
    aesRoundInPlace(s, 4 * L + b, 3 * L + b);
    aesRoundInPlace(s, 3 * L + b, 2 * L + b);
    aesRoundInPlace(s, 2 * L + b, L + b);
    aesRoundInPlace(s, L + b, b);
    xor4(s, b, m, o0 + mo);
    aesRoundInPlace(s, b, tmp);
  }
}

/** One block: dst = src ^ (z0 || z1), z0 = V6 ^ V1 ^ (V2 & V3), z1 = V2 ^ V5 ^ (V6 & V7) per lane. */
function keystream(s: Int32Array, L: number, src: Int32Array, so: number, dst: Int32Array, dO: number): void {
  for (let i = 0; i < L; i++) {
    const s2 = s[2 * L + i]!;
    const s6 = s[6 * L + i]!;
    dst[dO + i] = src[so + i]! ^ s6 ^ s[L + i]! ^ (s2 & s[3 * L + i]!);
    dst[dO + L + i] = src[so + L + i]! ^ s2 ^ s[5 * L + i]! ^ (s6 & s[7 * L + i]!);
  }
}

export class Aegis128Core implements AegisCore {
  readonly rate: number;
  readonly keySize = 16;
  readonly nonceSize = 16;
  private readonly D: number;
  private readonly L: number;
  private readonly s: Int32Array;
  /** Init's nonce||key, Finalize's t, and the length block. */
  private readonly m: Int32Array;

  constructor(degree: number) {
    this.D = degree;
    this.L = 4 * degree;
    this.rate = 32 * degree;
    this.s = new Int32Array(8 * this.L + 4);
    this.m = new Int32Array(8 * degree + 4);
  }

  init(key: Uint8Array, nonce: Uint8Array): void {
    const { s, L, m } = this;
    readBlock(nonce, 0, m, 0);
    readBlock(key, 0, m, 4);
    for (let b = 0; b < L; b += 4) {
      for (let w = 0; w < 4; w++) {
        const k = m[4 + w]!;
        const kn = k ^ m[w]!;
        s[b + w] = kn;
        s[L + b + w] = C1[w]!;
        s[2 * L + b + w] = C0[w]!;
        s[3 * L + b + w] = C1[w]!;
        s[4 * L + b + w] = kn;
        s[5 * L + b + w] = k ^ C0[w]!;
        s[6 * L + b + w] = k ^ C1[w]!;
        s[7 * L + b + w] = k ^ C0[w]!;
      }
    }
    for (let r = 0; r < 10; r++) {
      this.addContext();
      update(s, L, m, 0, 4, 0);
    }
  }

  /** V[3,i] ^= ctx[i]; V[7,i] ^= ctx[i] (a no-op for D = 1, where ctx[0] is zero). */
  private addContext(): void {
    for (let i = 0; i < this.D; i++) {
      const c = contextWord(i, this.D);
      this.s[3 * this.L + 4 * i] ^= c;
      this.s[7 * this.L + 4 * i] ^= c;
    }
  }

  absorb(m: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let o = 0, n = 0; n < blocks; n++, o += 2 * L) update(s, L, m, o, o + L, 4);
  }

  encrypt(src: Int32Array, dst: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let o = 0, n = 0; n < blocks; n++, o += 2 * L) {
      keystream(s, L, src, o, dst, o);
      update(s, L, src, o, o + L, 4);
    }
  }

  decrypt(src: Int32Array, dst: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let o = 0, n = 0; n < blocks; n++, o += 2 * L) {
      keystream(s, L, src, o, dst, o);
      update(s, L, dst, o, o + L, 4);
    }
  }

  keystreamXor(src: Int32Array, dst: Int32Array): void {
    keystream(this.s, this.L, src, 0, dst, 0);
  }

  finalize(adBytes: number, msgBytes: number, tag: Uint8Array): void {
    const { s, L, m } = this;
    const u = 8 * this.D;
    lengthBlock(adBytes, msgBytes, m, u);
    for (let i = 0; i < L; i++) m[i] = s[2 * L + i]! ^ m[u + (i & 3)]!;
    for (let r = 0; r < 7; r++) update(s, L, m, 0, 0, 4);
    const t = m; // reuse as the tag words
    for (let w = 0; w < 4; w++) {
      if (tag.length === 16) {
        t[w] = xorAcross(s, L, 0, 7, w);
      } else {
        t[w] = xorAcross(s, L, 0, 4, w);
        t[4 + w] = xorAcross(s, L, 4, 8, w);
      }
    }
    writeBlock(t, 0, tag, 0);
    if (tag.length === 32) writeBlock(t, 4, tag, 16);
  }

  wipe(): void {
    this.s.fill(0);
    this.m.fill(0);
  }
}
