/**
 * What the generic AEGIS driver (aead.ts) needs from one AEGIS family (128L/128X or 256/256X).
 * All block methods work on little-endian word arrays; a "block" is the family's rate
 * (draft-irtf-cfrg-aegis-aead: 256*D bits for AEGIS-128X, 128*D bits for AEGIS-256X, D = 1 for
 * AEGIS-128L and AEGIS-256). The state lives inside the core, preallocated; nothing allocates per block.
 */
export interface AegisCore {
  /** Bytes per block. */
  readonly rate: number;
  readonly keySize: number;
  readonly nonceSize: number;
  /** Init(key, nonce). */
  init(key: Uint8Array, nonce: Uint8Array): void;
  /** Absorb `blocks` full blocks of words starting at word 0 of `m`. */
  absorb(m: Int32Array, blocks: number): void;
  /** Enc over `blocks` full blocks: dst = src ^ keystream, state absorbs src. `dst` must not be `src`. */
  encrypt(src: Int32Array, dst: Int32Array, blocks: number): void;
  /** Dec over `blocks` full blocks: dst = src ^ keystream, state absorbs dst. */
  decrypt(src: Int32Array, dst: Int32Array, blocks: number): void;
  /** dst = src ^ keystream of the current state for one block, without updating (for DecPartial). */
  keystreamXor(src: Int32Array, dst: Int32Array): void;
  /** Finalize(|ad|, |msg|): writes the 16- or 32-byte tag into `tag`. */
  finalize(adBytes: number, msgBytes: number, tag: Uint8Array): void;
  /** Zeroes the state and scratch words. */
  wipe(): void;
}

/** What a lane run does with each block: absorb it, or encrypt / decrypt it and absorb the plaintext. */
export type Mode = 0 | 1 | 2;
export const ABSORB: Mode = 0;
export const ENCRYPT: Mode = 1;
export const DECRYPT: Mode = 2;

/** ctx[i] of the parallel modes: Byte(i) || Byte(D - 1) || zeros, as its first little-endian word. */
export function contextWord(lane: number, degree: number): number {
  return lane | ((degree - 1) << 8);
}

/** XOR of state words s[j*L + b + w] over blocks j in [from, to) and every lane b (the tag reduction). */
export function xorAcross(s: Int32Array, L: number, from: number, to: number, w: number): number {
  let acc = 0;
  for (let j = from; j < to; j++) {
    for (let b = 0; b < L; b += 4) acc ^= s[j * L + b + w]!;
  }
  return acc;
}
