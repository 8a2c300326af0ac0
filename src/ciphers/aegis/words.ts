/**
 * Byte <-> 32-bit word helpers for the AEGIS code. Words are little-endian (see aes-round.ts); on a
 * big-endian platform the helpers copy and byte-swap so the cipher code never sees the difference.
 */
import { LITTLE_ENDIAN, byteSwapWords } from './aes-round.js';

/**
 * The first `n` bytes of `bytes` (n a multiple of 4) as little-endian words: a view with no copy
 * when possible, else a copy. `copied` tells the caller whether it may wipe the result.
 */
export function loadWords(bytes: Uint8Array, n: number): { words: Int32Array; copied: boolean } {
  if (LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0) {
    return { words: new Int32Array(bytes.buffer, bytes.byteOffset, n >>> 2), copied: false };
  }
  const copy = new Uint8Array(n);
  copy.set(bytes.subarray(0, n));
  const words = new Int32Array(copy.buffer, 0, n >>> 2);
  if (!LITTLE_ENDIAN) byteSwapWords(words);
  return { words, copied: true };
}

/** Makes words just written by the cipher code read as the right bytes (no-op on little-endian). */
export function fixWordOrder(words: Int32Array): void {
  if (!LITTLE_ENDIAN) byteSwapWords(words);
}

/** Copies `bytes` into the start of `dst` (zero-padded to its end) and makes them cipher words. */
export function loadPadded(dstBytes: Uint8Array, dstWords: Int32Array, bytes: Uint8Array): void {
  dstBytes.fill(0);
  dstBytes.set(bytes);
  fixWordOrder(dstWords);
}

/** Reads 4 little-endian words from `bytes` at byte offset `off` into `dst` at word index `at`. */
export function readBlock(bytes: Uint8Array, off: number, dst: Int32Array, at: number): void {
  for (let w = 0; w < 4; w++) {
    const i = off + 4 * w;
    dst[at + w] = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
  }
}

/** Writes 4 words from `src` at word index `at` into `bytes` at byte offset `off`, little-endian. */
export function writeBlock(src: Int32Array, at: number, bytes: Uint8Array, off: number): void {
  for (let w = 0; w < 4; w++) {
    const v = src[at + w]!;
    const i = off + 4 * w;
    bytes[i] = v;
    bytes[i + 1] = v >>> 8;
    bytes[i + 2] = v >>> 16;
    bytes[i + 3] = v >>> 24;
  }
}

/** The 128-bit block LE64(adBytes * 8) || LE64(msgBytes * 8) as 4 words, into `dst` at word `at`. */
export function lengthBlock(adBytes: number, msgBytes: number, dst: Int32Array, at: number): void {
  const TWO32 = 0x100000000;
  dst[at] = (adBytes * 8) % TWO32;
  dst[at + 1] = Math.floor((adBytes * 8) / TWO32);
  dst[at + 2] = (msgBytes * 8) % TWO32;
  dst[at + 3] = Math.floor((msgBytes * 8) / TWO32);
}

/** Constant-time equality of two byte strings of the same length (length itself is public). */
export function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Parses a 32-digit hex constant into 4 little-endian words (for C0/C1 of the draft). */
export function hexBlock(hex: string): Int32Array {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const w = new Int32Array(4);
  readBlock(bytes, 0, w, 0);
  return w;
}
