/**
 * One AES encryption round, as AEGIS uses it (draft-irtf-cfrg-aegis-aead, "AESRound"):
 *
 *   AESRound(in, rk) = MixColumns(ShiftRows(SubBytes(in))) ^ rk
 *
 * Table-based, on 32-bit words. A 16-byte block is 4 column words, each read little-endian
 * (byte 4c+r of the block is bits 8r..8r+7 of word c), which is how an Int32Array views bytes on
 * every little-endian platform. The four tables combine SubBytes and MixColumns for the byte in
 * row r of a column; ShiftRows is the choice of which input column feeds which row.
 *
 * The S-box is computed at module load from its definition in FIPS-197 (multiplicative inverse in
 * GF(2^8) modulo x^8+x^4+x^3+x+1, then the affine map with constant 0x63).
 *
 * Note: table lookups depend on secret data, so this is not constant-time against an attacker who
 * can observe this process's cache. The native backend's portable C path is the constant-time one.
 */

/** Multiplication by x (i.e. by 2) in AES's GF(2^8). */
function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;
}

function buildSbox(): Uint8Array {
  const exp = new Uint8Array(255);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x); // multiply by 3, a generator of GF(2^8)*
  }
  const sbox = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]!) % 255]!;
    let s = inv;
    let r = inv;
    for (let k = 0; k < 4; k++) {
      r = ((r << 1) | (r >> 7)) & 0xff;
      s ^= r;
    }
    sbox[i] = s ^ 0x63;
  }
  return sbox;
}

export const SBOX: Uint8Array = buildSbox();

function rotl(w: number, n: number): number {
  return (w << n) | (w >>> (32 - n));
}

/**
 * T0[b]: the column word contributed by input byte b when it lands in row 0 after ShiftRows:
 * MixColumns maps it to (2s, s, s, 3s) for rows 0..3, with s = SBOX[b]. Rows 1..3 are rotations.
 */
function buildTables(): Int32Array[] {
  const t = [new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  for (let b = 0; b < 256; b++) {
    const s = SBOX[b]!;
    const s2 = xtime(s);
    const w = s2 | (s << 8) | (s << 16) | ((s2 ^ s) << 24);
    t[0]![b] = w;
    t[1]![b] = rotl(w, 8);
    t[2]![b] = rotl(w, 16);
    t[3]![b] = rotl(w, 24);
  }
  return t;
}

/**
 * T0..T3: word c of AESRound(x, k) is
 *   T0[x_c & 255] ^ T1[(x_{c+1} >>> 8) & 255] ^ T2[(x_{c+2} >>> 16) & 255] ^ T3[x_{c+3} >>> 24] ^ k_c
 * (column indices mod 4). Exported so the AEGIS hot loops can inline the round.
 */
export const [T0, T1, T2, T3] = buildTables() as [Int32Array, Int32Array, Int32Array, Int32Array];

/**
 * s[d..d+4) = AESRound(x, k) for the block x = (x0, x1, x2, x3) and round key k = (k0, k1, k2, k3),
 * given as words. This is the reference form of the round that the AEGIS loops (aegis128x.ts,
 * aegis256x.ts) write out inline; the AESRound test vector checks it and the tables.
 */
export function aesRoundTo(
  s: Int32Array, d: number,
  x0: number, x1: number, x2: number, x3: number,
  k0: number, k1: number, k2: number, k3: number,
): void {
  s[d] = T0[x0 & 255]! ^ T1[(x1 >>> 8) & 255]! ^ T2[(x2 >>> 16) & 255]! ^ T3[x3 >>> 24]! ^ k0;
  s[d + 1] = T0[x1 & 255]! ^ T1[(x2 >>> 8) & 255]! ^ T2[(x3 >>> 16) & 255]! ^ T3[x0 >>> 24]! ^ k1;
  s[d + 2] = T0[x2 & 255]! ^ T1[(x3 >>> 8) & 255]! ^ T2[(x0 >>> 16) & 255]! ^ T3[x1 >>> 24]! ^ k2;
  s[d + 3] = T0[x3 & 255]! ^ T1[(x0 >>> 8) & 255]! ^ T2[(x1 >>> 16) & 255]! ^ T3[x2 >>> 24]! ^ k3;
}

/** AESRound on byte blocks (for the draft's AESRound test vector; allocates, not for hot paths). */
export function aesRound(input: Uint8Array, rk: Uint8Array): Uint8Array {
  if (!(input instanceof Uint8Array) || !(rk instanceof Uint8Array)) throw new TypeError('aesRound takes Uint8Arrays');
  if (input.length !== 16 || rk.length !== 16) throw new RangeError('aesRound takes two 16-byte blocks');
  const s = new Int32Array(8);
  const b = new Uint8Array(s.buffer);
  b.set(input, 0);
  b.set(rk, 16);
  if (!LITTLE_ENDIAN) byteSwapWords(s);
  aesRoundTo(s, 0, s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!);
  if (!LITTLE_ENDIAN) byteSwapWords(s);
  return b.slice(0, 16);
}

/** True when an Int32Array reads bytes little-endian (the word layout above assumes it). */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Reverses the bytes of every word (used only on big-endian platforms). */
export function byteSwapWords(w: Int32Array): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    w[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  }
}
