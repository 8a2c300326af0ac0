/**
 * AEGIS-256 and AEGIS-256X (degree D = 2 or 4), written from draft-irtf-cfrg-aegis-aead
 * (sections "AEGIS-256" and "AEGIS-256X"). D = 1 is AEGIS-256.
 *
 * State layout: V[j,i] (block j of lane i) is words s[j*L + 4i .. +4), L = 4*D.
 * A message block is L words, lane i at 4i.
 */
import { T0 as S0, T1 as S1, T2 as S2, T3 as S3 } from './aes-round.js';
import { ABSORB, DECRYPT, ENCRYPT, contextWord, xorAcross, type AegisCore, type Mode } from './core.js';
import { hexBlock, lengthBlock, readBlock, writeBlock } from './words.js';

/** The draft's constants C0 and C1 (Fibonacci sequence mod 256). */
const C0 = hexBlock('000101020305080d1522375990e97962');
const C1 = hexBlock('db3d18556dc22ff12011314273b528dd');

/**
 * Runs `blocks` steps of one lane whose V0 starts at s[p] (V[j] at s[p + j*L]). Step n takes
 * M = m[o + n*stride ..+4):
 *   ABSORB   Update(M)
 *   ENCRYPT  out = M ^ z into dst at the same offset, then Update(M)
 *   DECRYPT  out = M ^ z into dst, then Update(out)
 * with z = V1 ^ V4 ^ V5 ^ (V2 & V3), and Update:
 *   V'0 = AESRound(V5, V0 ^ M), V'j = AESRound(V(j-1), Vj) otherwise.
 * Per block, the lane's old V0..V5 are read into a..f (4 words each) and the new state is written
 * back to `s`; the AES rounds are written out, as in aegis128x.ts (see the reasons there).
 */
function runLane(
  s: Int32Array, p: number, L: number, mode: Mode,
  m: Int32Array, o: number, stride: number, blocks: number, dst: Int32Array,
): void {
  const T0 = S0, T1 = S1, T2 = S2, T3 = S3; // local copies of the imported tables (measured faster)
  const qa = p, qb = p + L, qc = qb + L, qd = qc + L, qe = qd + L, qf = qe + L;
  for (let n = 0, i = o; n < blocks; n++, i += stride) {
    const a0 = s[qa]!, a1 = s[qa + 1]!, a2 = s[qa + 2]!, a3 = s[qa + 3]!;
    const b0 = s[qb]!, b1 = s[qb + 1]!, b2 = s[qb + 2]!, b3 = s[qb + 3]!;
    const c0 = s[qc]!, c1 = s[qc + 1]!, c2 = s[qc + 2]!, c3 = s[qc + 3]!;
    const d0 = s[qd]!, d1 = s[qd + 1]!, d2 = s[qd + 2]!, d3 = s[qd + 3]!;
    const e0 = s[qe]!, e1 = s[qe + 1]!, e2 = s[qe + 2]!, e3 = s[qe + 3]!;
    const f0 = s[qf]!, f1 = s[qf + 1]!, f2 = s[qf + 2]!, f3 = s[qf + 3]!;
    let x0 = m[i]!, x1 = m[i + 1]!, x2 = m[i + 2]!, x3 = m[i + 3]!;
    if (mode !== ABSORB) {
      const u0 = x0 ^ b0 ^ e0 ^ f0 ^ (c0 & d0), u1 = x1 ^ b1 ^ e1 ^ f1 ^ (c1 & d1);
      const u2 = x2 ^ b2 ^ e2 ^ f2 ^ (c2 & d2), u3 = x3 ^ b3 ^ e3 ^ f3 ^ (c3 & d3);
      dst[i] = u0; dst[i + 1] = u1; dst[i + 2] = u2; dst[i + 3] = u3;
      if (mode === DECRYPT) {
        x0 = u0; x1 = u1; x2 = u2; x3 = u3;
      }
    }
    s[qa] = T0[f0 & 255]! ^ T1[(f1 >>> 8) & 255]! ^ T2[(f2 >>> 16) & 255]! ^ T3[f3 >>> 24]! ^ a0 ^ x0;
    s[qa + 1] = T0[f1 & 255]! ^ T1[(f2 >>> 8) & 255]! ^ T2[(f3 >>> 16) & 255]! ^ T3[f0 >>> 24]! ^ a1 ^ x1;
    s[qa + 2] = T0[f2 & 255]! ^ T1[(f3 >>> 8) & 255]! ^ T2[(f0 >>> 16) & 255]! ^ T3[f1 >>> 24]! ^ a2 ^ x2;
    s[qa + 3] = T0[f3 & 255]! ^ T1[(f0 >>> 8) & 255]! ^ T2[(f1 >>> 16) & 255]! ^ T3[f2 >>> 24]! ^ a3 ^ x3;
    s[qb] = T0[a0 & 255]! ^ T1[(a1 >>> 8) & 255]! ^ T2[(a2 >>> 16) & 255]! ^ T3[a3 >>> 24]! ^ b0;
    s[qb + 1] = T0[a1 & 255]! ^ T1[(a2 >>> 8) & 255]! ^ T2[(a3 >>> 16) & 255]! ^ T3[a0 >>> 24]! ^ b1;
    s[qb + 2] = T0[a2 & 255]! ^ T1[(a3 >>> 8) & 255]! ^ T2[(a0 >>> 16) & 255]! ^ T3[a1 >>> 24]! ^ b2;
    s[qb + 3] = T0[a3 & 255]! ^ T1[(a0 >>> 8) & 255]! ^ T2[(a1 >>> 16) & 255]! ^ T3[a2 >>> 24]! ^ b3;
    s[qc] = T0[b0 & 255]! ^ T1[(b1 >>> 8) & 255]! ^ T2[(b2 >>> 16) & 255]! ^ T3[b3 >>> 24]! ^ c0;
    s[qc + 1] = T0[b1 & 255]! ^ T1[(b2 >>> 8) & 255]! ^ T2[(b3 >>> 16) & 255]! ^ T3[b0 >>> 24]! ^ c1;
    s[qc + 2] = T0[b2 & 255]! ^ T1[(b3 >>> 8) & 255]! ^ T2[(b0 >>> 16) & 255]! ^ T3[b1 >>> 24]! ^ c2;
    s[qc + 3] = T0[b3 & 255]! ^ T1[(b0 >>> 8) & 255]! ^ T2[(b1 >>> 16) & 255]! ^ T3[b2 >>> 24]! ^ c3;
    s[qd] = T0[c0 & 255]! ^ T1[(c1 >>> 8) & 255]! ^ T2[(c2 >>> 16) & 255]! ^ T3[c3 >>> 24]! ^ d0;
    s[qd + 1] = T0[c1 & 255]! ^ T1[(c2 >>> 8) & 255]! ^ T2[(c3 >>> 16) & 255]! ^ T3[c0 >>> 24]! ^ d1;
    s[qd + 2] = T0[c2 & 255]! ^ T1[(c3 >>> 8) & 255]! ^ T2[(c0 >>> 16) & 255]! ^ T3[c1 >>> 24]! ^ d2;
    s[qd + 3] = T0[c3 & 255]! ^ T1[(c0 >>> 8) & 255]! ^ T2[(c1 >>> 16) & 255]! ^ T3[c2 >>> 24]! ^ d3;
    s[qe] = T0[d0 & 255]! ^ T1[(d1 >>> 8) & 255]! ^ T2[(d2 >>> 16) & 255]! ^ T3[d3 >>> 24]! ^ e0;
    s[qe + 1] = T0[d1 & 255]! ^ T1[(d2 >>> 8) & 255]! ^ T2[(d3 >>> 16) & 255]! ^ T3[d0 >>> 24]! ^ e1;
    s[qe + 2] = T0[d2 & 255]! ^ T1[(d3 >>> 8) & 255]! ^ T2[(d0 >>> 16) & 255]! ^ T3[d1 >>> 24]! ^ e2;
    s[qe + 3] = T0[d3 & 255]! ^ T1[(d0 >>> 8) & 255]! ^ T2[(d1 >>> 16) & 255]! ^ T3[d2 >>> 24]! ^ e3;
    s[qf] = T0[e0 & 255]! ^ T1[(e1 >>> 8) & 255]! ^ T2[(e2 >>> 16) & 255]! ^ T3[e3 >>> 24]! ^ f0;
    s[qf + 1] = T0[e1 & 255]! ^ T1[(e2 >>> 8) & 255]! ^ T2[(e3 >>> 16) & 255]! ^ T3[e0 >>> 24]! ^ f1;
    s[qf + 2] = T0[e2 & 255]! ^ T1[(e3 >>> 8) & 255]! ^ T2[(e0 >>> 16) & 255]! ^ T3[e1 >>> 24]! ^ f2;
    s[qf + 3] = T0[e3 & 255]! ^ T1[(e0 >>> 8) & 255]! ^ T2[(e1 >>> 16) & 255]! ^ T3[e2 >>> 24]! ^ f3;
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
    this.s = new Int32Array(6 * this.L);
    this.m = new Int32Array(Math.max(24, 4 * degree + 4));
  }

  init(key: Uint8Array, nonce: Uint8Array): void {
    const { s, L, m, D } = this;
    readBlock(key, 0, m, 0); // k0
    readBlock(key, 16, m, 4); // k1
    readBlock(nonce, 0, m, 16); // n0
    readBlock(nonce, 16, m, 20); // n1
    for (let w = 0; w < 8; w++) m[8 + w] = m[w]! ^ m[16 + w]!; // k0^n0, k1^n1
    for (let p = 0; p < L; p += 4) {
      for (let w = 0; w < 4; w++) {
        s[p + w] = m[8 + w]!;
        s[L + p + w] = m[12 + w]!;
        s[2 * L + p + w] = C1[w]!;
        s[3 * L + p + w] = C0[w]!;
        s[4 * L + p + w] = m[w]! ^ C0[w]!;
        s[5 * L + p + w] = m[4 + w]! ^ C1[w]!;
      }
    }
    // Repeat(4): for each of k0, k1, k0^n0, k1^n1: V[3,i] ^= ctx[i]; V[5,i] ^= ctx[i]; Update(it).
    // Lanes are independent, so each lane runs its 16 updates in turn; ctx[0] is zero when D = 1.
    for (let i = 0; i < D; i++) {
      const ctx = contextWord(i, D);
      for (let r = 0; r < 16; r++) {
        s[3 * L + 4 * i] ^= ctx;
        s[5 * L + 4 * i] ^= ctx;
        runLane(s, 4 * i, L, ABSORB, m, 4 * (r & 3), 0, 1, m);
      }
    }
  }

  absorb(m: Int32Array, blocks: number): void {
    this.run(ABSORB, m, m, blocks);
  }

  encrypt(src: Int32Array, dst: Int32Array, blocks: number): void {
    this.run(ENCRYPT, src, dst, blocks);
  }

  decrypt(src: Int32Array, dst: Int32Array, blocks: number): void {
    this.run(DECRYPT, src, dst, blocks);
  }

  private run(mode: Mode, src: Int32Array, dst: Int32Array, blocks: number): void {
    const { s, L } = this;
    for (let p = 0; p < L; p += 4) runLane(s, p, L, mode, src, p, L, blocks, dst);
  }

  keystreamXor(src: Int32Array, dst: Int32Array): void {
    const { s, L } = this;
    for (let i = 0; i < L; i++) {
      dst[i] = src[i]! ^ s[L + i]! ^ s[4 * L + i]! ^ s[5 * L + i]! ^ (s[2 * L + i]! & s[3 * L + i]!);
    }
  }

  finalize(adBytes: number, msgBytes: number, tag: Uint8Array): void {
    const { s, L, m } = this;
    // t = V[3,i] ^ (LE64(ad bits) || LE64(msg bits)) per lane; Repeat(7, Update(t)).
    lengthBlock(adBytes, msgBytes, m, L);
    for (let i = 0; i < L; i++) m[i] = s[3 * L + i]! ^ m[L + (i & 3)]!;
    for (let p = 0; p < L; p += 4) runLane(s, p, L, ABSORB, m, p, 0, 7, m);
    for (let w = 0; w < 4; w++) {
      if (tag.length === 16) {
        m[w] = xorAcross(s, L, 0, 6, w); // XOR of V0..V5 over all lanes
      } else {
        m[w] = xorAcross(s, L, 0, 3, w); // V0..V2
        m[4 + w] = xorAcross(s, L, 3, 6, w); // V3..V5
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
