/**
 * AEGIS-128L and AEGIS-128X (degree D = 2 or 4), written from draft-irtf-cfrg-aegis-aead
 * (sections "AEGIS-128L" and "AEGIS-128X"). AEGIS-128X with D = 1 is AEGIS-128L (the draft's
 * "Implementation Considerations"), so one core serves all three.
 *
 * State layout: V[j,i] (block j of lane i) is words s[j*L + 4i .. +4), L = 4*D.
 * A message block is M0 (L words, lane i at 4i) followed by M1 (L words).
 *
 * The D lanes are independent AEGIS-128L instances that only meet in the tag, so each lane runs
 * over the whole message on its own (runLane), with its state in local variables.
 */
import { T0 as S0, T1 as S1, T2 as S2, T3 as S3 } from './aes-round.js';
import { ABSORB, DECRYPT, ENCRYPT, contextWord, xorAcross, type AegisCore, type Mode } from './core.js';
import { hexBlock, lengthBlock, readBlock, writeBlock } from './words.js';

/** The draft's constants C0 and C1 (Fibonacci sequence mod 256). */
const C0 = hexBlock('000101020305080d1522375990e97962');
const C1 = hexBlock('db3d18556dc22ff12011314273b528dd');

/**
 * Runs `blocks` steps of one lane whose V0 starts at s[p] (V[j] at s[p + j*L]). Step n takes
 * M0 = m[o0 + n*stride ..+4) and M1 = m[o1 + n*stride ..+4):
 *   ABSORB   Update(M0, M1)
 *   ENCRYPT  out = M ^ (z0, z1) into dst at the same offsets, then Update(M0, M1)
 *   DECRYPT  out = M ^ (z0, z1) into dst, then Update(out0, out1)
 * with z0 = V6 ^ V1 ^ (V2 & V3), z1 = V2 ^ V5 ^ (V6 & V7), and Update:
 *   V'0 = AESRound(V7, V0 ^ M0), V'4 = AESRound(V3, V4 ^ M1), V'j = AESRound(V(j-1), Vj) otherwise.
 * Per block, the lane's old V0..V7 are read into a..h (4 words each) and the new state is written
 * back to `s`. The AES rounds are written out with the tables of aes-round.ts (word w of
 * AESRound(x, k) = T0[x_w] ^ T1[x_w+1] ^ T2[x_w+2] ^ T3[x_w+3] ^ k_w, byte r of column w+r).
 * Measured on V8: a helper call per column exceeds the inlining budget (about 2x slower), and
 * keeping all 32 state words in locals across blocks spills registers (about 1.8x slower).
 */
function runLane(
  s: Int32Array, p: number, L: number, mode: Mode,
  m: Int32Array, o0: number, o1: number, stride: number, blocks: number, dst: Int32Array,
): void {
  const T0 = S0, T1 = S1, T2 = S2, T3 = S3; // local copies of the imported tables (measured faster)
  const qa = p, qb = p + L, qc = qb + L, qd = qc + L, qe = qd + L, qf = qe + L, qg = qf + L, qh = qg + L;
  for (let n = 0, i = o0, j = o1; n < blocks; n++, i += stride, j += stride) {
    const a0 = s[qa]!, a1 = s[qa + 1]!, a2 = s[qa + 2]!, a3 = s[qa + 3]!;
    const b0 = s[qb]!, b1 = s[qb + 1]!, b2 = s[qb + 2]!, b3 = s[qb + 3]!;
    const c0 = s[qc]!, c1 = s[qc + 1]!, c2 = s[qc + 2]!, c3 = s[qc + 3]!;
    const d0 = s[qd]!, d1 = s[qd + 1]!, d2 = s[qd + 2]!, d3 = s[qd + 3]!;
    const e0 = s[qe]!, e1 = s[qe + 1]!, e2 = s[qe + 2]!, e3 = s[qe + 3]!;
    const f0 = s[qf]!, f1 = s[qf + 1]!, f2 = s[qf + 2]!, f3 = s[qf + 3]!;
    const g0 = s[qg]!, g1 = s[qg + 1]!, g2 = s[qg + 2]!, g3 = s[qg + 3]!;
    const h0 = s[qh]!, h1 = s[qh + 1]!, h2 = s[qh + 2]!, h3 = s[qh + 3]!;
    let x0 = m[i]!, x1 = m[i + 1]!, x2 = m[i + 2]!, x3 = m[i + 3]!;
    let y0 = m[j]!, y1 = m[j + 1]!, y2 = m[j + 2]!, y3 = m[j + 3]!;
    if (mode !== ABSORB) {
      const u0 = x0 ^ g0 ^ b0 ^ (c0 & d0), u1 = x1 ^ g1 ^ b1 ^ (c1 & d1);
      const u2 = x2 ^ g2 ^ b2 ^ (c2 & d2), u3 = x3 ^ g3 ^ b3 ^ (c3 & d3);
      const v0 = y0 ^ c0 ^ f0 ^ (g0 & h0), v1 = y1 ^ c1 ^ f1 ^ (g1 & h1);
      const v2 = y2 ^ c2 ^ f2 ^ (g2 & h2), v3 = y3 ^ c3 ^ f3 ^ (g3 & h3);
      dst[i] = u0; dst[i + 1] = u1; dst[i + 2] = u2; dst[i + 3] = u3;
      dst[j] = v0; dst[j + 1] = v1; dst[j + 2] = v2; dst[j + 3] = v3;
      if (mode === DECRYPT) {
        x0 = u0; x1 = u1; x2 = u2; x3 = u3;
        y0 = v0; y1 = v1; y2 = v2; y3 = v3;
      }
    }
    s[qa] = T0[h0 & 255]! ^ T1[(h1 >>> 8) & 255]! ^ T2[(h2 >>> 16) & 255]! ^ T3[h3 >>> 24]! ^ a0 ^ x0;
    s[qa + 1] = T0[h1 & 255]! ^ T1[(h2 >>> 8) & 255]! ^ T2[(h3 >>> 16) & 255]! ^ T3[h0 >>> 24]! ^ a1 ^ x1;
    s[qa + 2] = T0[h2 & 255]! ^ T1[(h3 >>> 8) & 255]! ^ T2[(h0 >>> 16) & 255]! ^ T3[h1 >>> 24]! ^ a2 ^ x2;
    s[qa + 3] = T0[h3 & 255]! ^ T1[(h0 >>> 8) & 255]! ^ T2[(h1 >>> 16) & 255]! ^ T3[h2 >>> 24]! ^ a3 ^ x3;
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
    s[qe] = T0[d0 & 255]! ^ T1[(d1 >>> 8) & 255]! ^ T2[(d2 >>> 16) & 255]! ^ T3[d3 >>> 24]! ^ e0 ^ y0;
    s[qe + 1] = T0[d1 & 255]! ^ T1[(d2 >>> 8) & 255]! ^ T2[(d3 >>> 16) & 255]! ^ T3[d0 >>> 24]! ^ e1 ^ y1;
    s[qe + 2] = T0[d2 & 255]! ^ T1[(d3 >>> 8) & 255]! ^ T2[(d0 >>> 16) & 255]! ^ T3[d1 >>> 24]! ^ e2 ^ y2;
    s[qe + 3] = T0[d3 & 255]! ^ T1[(d0 >>> 8) & 255]! ^ T2[(d1 >>> 16) & 255]! ^ T3[d2 >>> 24]! ^ e3 ^ y3;
    s[qf] = T0[e0 & 255]! ^ T1[(e1 >>> 8) & 255]! ^ T2[(e2 >>> 16) & 255]! ^ T3[e3 >>> 24]! ^ f0;
    s[qf + 1] = T0[e1 & 255]! ^ T1[(e2 >>> 8) & 255]! ^ T2[(e3 >>> 16) & 255]! ^ T3[e0 >>> 24]! ^ f1;
    s[qf + 2] = T0[e2 & 255]! ^ T1[(e3 >>> 8) & 255]! ^ T2[(e0 >>> 16) & 255]! ^ T3[e1 >>> 24]! ^ f2;
    s[qf + 3] = T0[e3 & 255]! ^ T1[(e0 >>> 8) & 255]! ^ T2[(e1 >>> 16) & 255]! ^ T3[e2 >>> 24]! ^ f3;
    s[qg] = T0[f0 & 255]! ^ T1[(f1 >>> 8) & 255]! ^ T2[(f2 >>> 16) & 255]! ^ T3[f3 >>> 24]! ^ g0;
    s[qg + 1] = T0[f1 & 255]! ^ T1[(f2 >>> 8) & 255]! ^ T2[(f3 >>> 16) & 255]! ^ T3[f0 >>> 24]! ^ g1;
    s[qg + 2] = T0[f2 & 255]! ^ T1[(f3 >>> 8) & 255]! ^ T2[(f0 >>> 16) & 255]! ^ T3[f1 >>> 24]! ^ g2;
    s[qg + 3] = T0[f3 & 255]! ^ T1[(f0 >>> 8) & 255]! ^ T2[(f1 >>> 16) & 255]! ^ T3[f2 >>> 24]! ^ g3;
    s[qh] = T0[g0 & 255]! ^ T1[(g1 >>> 8) & 255]! ^ T2[(g2 >>> 16) & 255]! ^ T3[g3 >>> 24]! ^ h0;
    s[qh + 1] = T0[g1 & 255]! ^ T1[(g2 >>> 8) & 255]! ^ T2[(g3 >>> 16) & 255]! ^ T3[g0 >>> 24]! ^ h1;
    s[qh + 2] = T0[g2 & 255]! ^ T1[(g3 >>> 8) & 255]! ^ T2[(g0 >>> 16) & 255]! ^ T3[g1 >>> 24]! ^ h2;
    s[qh + 3] = T0[g3 & 255]! ^ T1[(g0 >>> 8) & 255]! ^ T2[(g1 >>> 16) & 255]! ^ T3[g2 >>> 24]! ^ h3;
  }
}

export class Aegis128Core implements AegisCore {
  readonly rate: number;
  readonly keySize = 16;
  readonly nonceSize = 16;
  private readonly D: number;
  private readonly L: number;
  private readonly s: Int32Array;
  /** Init's nonce || key; Finalize's t (L words), length block and tag words. */
  private readonly m: Int32Array;

  constructor(degree: number) {
    this.D = degree;
    this.L = 4 * degree;
    this.rate = 32 * degree;
    this.s = new Int32Array(8 * this.L);
    this.m = new Int32Array(8 * degree + 4);
  }

  init(key: Uint8Array, nonce: Uint8Array): void {
    const { s, L, m, D } = this;
    readBlock(nonce, 0, m, 0);
    readBlock(key, 0, m, 4);
    for (let p = 0; p < L; p += 4) {
      for (let w = 0; w < 4; w++) {
        const k = m[4 + w]!;
        s[p + w] = k ^ m[w]!;
        s[L + p + w] = C1[w]!;
        s[2 * L + p + w] = C0[w]!;
        s[3 * L + p + w] = C1[w]!;
        s[4 * L + p + w] = k ^ m[w]!;
        s[5 * L + p + w] = k ^ C0[w]!;
        s[6 * L + p + w] = k ^ C1[w]!;
        s[7 * L + p + w] = k ^ C0[w]!;
      }
    }
    // Repeat(10): V[3,i] ^= ctx[i]; V[7,i] ^= ctx[i]; Update(nonce, key). ctx[0] is zero when D = 1.
    for (let i = 0; i < D; i++) {
      const ctx = contextWord(i, D);
      for (let r = 0; r < 10; r++) {
        s[3 * L + 4 * i] ^= ctx;
        s[7 * L + 4 * i] ^= ctx;
        runLane(s, 4 * i, L, ABSORB, m, 0, 4, 0, 1, m);
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
    for (let p = 0; p < L; p += 4) runLane(s, p, L, mode, src, p, L + p, 2 * L, blocks, dst);
  }

  keystreamXor(src: Int32Array, dst: Int32Array): void {
    const { s, L } = this;
    for (let i = 0; i < L; i++) {
      dst[i] = src[i]! ^ s[6 * L + i]! ^ s[L + i]! ^ (s[2 * L + i]! & s[3 * L + i]!);
      dst[L + i] = src[L + i]! ^ s[2 * L + i]! ^ s[5 * L + i]! ^ (s[6 * L + i]! & s[7 * L + i]!);
    }
  }

  finalize(adBytes: number, msgBytes: number, tag: Uint8Array): void {
    const { s, L, m } = this;
    // t = V[2,i] ^ (LE64(ad bits) || LE64(msg bits)) per lane; Repeat(7, Update(t, t)).
    lengthBlock(adBytes, msgBytes, m, L);
    for (let i = 0; i < L; i++) m[i] = s[2 * L + i]! ^ m[L + (i & 3)]!;
    for (let p = 0; p < L; p += 4) runLane(s, p, L, ABSORB, m, p, p, 0, 7, m);
    for (let w = 0; w < 4; w++) {
      if (tag.length === 16) {
        m[w] = xorAcross(s, L, 0, 7, w); // XOR of V0..V6 over all lanes
      } else {
        m[w] = xorAcross(s, L, 0, 4, w); // V0..V3
        m[4 + w] = xorAcross(s, L, 4, 8, w); // V4..V7
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
