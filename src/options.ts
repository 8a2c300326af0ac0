/**
 * EncryptionOpts: what a user passes to select a cipher and key, `{ cipher, hexkey }` as in Turso.
 * The hex string is the raw key (no KDF), and its length must match the cipher's key size.
 */
import { InvalidKeyError, InvalidOptionsError } from './errors.js';
import { findCipherSpec } from './ciphers/registry.js';
import type { CipherName, CipherSpec } from './ciphers/types.js';

export interface EncryptionOpts {
  /**
   * One of the canonical cipher names, e.g. `aegis256`. The type admits only those, so a typo such as
   * `aegis265` is a compile error. At run time the check is looser for JavaScript callers and
   * configuration strings: any case and the `aes-256-gcm` style aliases are accepted, and anything
   * else throws UnknownCipherError. From an untyped string use `findCipherSpec(s).name`.
   */
  cipher: CipherName;
  /** The key as hex: 32 hex digits for 128-bit-key ciphers, 64 for 256-bit-key ciphers. */
  hexkey: string;
}

/** A validated cipher and key. Call `wipe()` when done: it zeroes the key bytes. */
export class ResolvedEncryption {
  readonly cipher: CipherSpec;
  #key: Uint8Array;
  constructor(cipher: CipherSpec, key: Uint8Array) {
    this.cipher = cipher;
    this.#key = key;
  }
  /** The raw key bytes (a live view: do not keep it past `wipe()`). */
  get key(): Uint8Array {
    return this.#key;
  }
  wipe(): void {
    this.#key.fill(0);
  }
  toString(): string {
    return `ResolvedEncryption(${this.cipher.name}, key: [redacted])`;
  }
  toJSON(): object {
    return { cipher: this.cipher.name, key: '[redacted]' };
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

const HEX = /^[0-9a-fA-F]$/;
const ALL_HEX = /^[0-9a-fA-F]*$/;

/** The value of one hex digit's character code (the string was checked to hold only hex digits). */
function nibble(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/**
 * Decodes a hex key. Errors name the position of the first bad character but never show the key.
 * Accepts an optional `0x` prefix.
 */
export function decodeHexKey(hexkey: unknown): Uint8Array {
  if (typeof hexkey !== 'string') throw new InvalidKeyError(`hexkey must be a string of hex digits, got ${hexkey === null ? 'null' : typeof hexkey}`);
  let s = hexkey;
  let offset = 0;
  if (s.startsWith('0x') || s.startsWith('0X')) {
    s = s.slice(2);
    offset = 2;
  }
  if (s.length === 0) throw new InvalidKeyError('hexkey is empty');
  if (!ALL_HEX.test(s)) {
    for (let i = 0; i < s.length; i++) {
      if (!HEX.test(s[i]!)) throw new InvalidKeyError(`hexkey has a character that is not a hex digit at position ${i + offset}`);
    }
  }
  if (s.length % 2 !== 0) throw new InvalidKeyError(`hexkey has an odd number of hex digits (${s.length})`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibble(s.charCodeAt(2 * i)) << 4) | nibble(s.charCodeAt(2 * i + 1));
  return out;
}

/** Validates `{ cipher, hexkey }` and returns the cipher spec and decoded key. */
export function resolveEncryption(opts: unknown): ResolvedEncryption {
  if (opts === null || typeof opts !== 'object') throw new InvalidOptionsError('encryption options must be an object { cipher, hexkey }');
  const o = opts as Record<string, unknown>;
  if (o.cipher === undefined) throw new InvalidOptionsError('encryption options need a cipher (e.g. { cipher: "aegis256", hexkey: "..." })');
  if (typeof o.cipher !== 'string') throw new InvalidOptionsError(`encryption cipher must be a string, got ${typeof o.cipher}`);
  if (o.hexkey === undefined) throw new InvalidOptionsError('encryption options need a hexkey');
  const cipher = findCipherSpec(o.cipher);
  const key = decodeHexKey(o.hexkey);
  if (key.length !== cipher.keySize) {
    const got = key.length;
    key.fill(0);
    throw new InvalidKeyError(
      `key size does not match cipher ${cipher.name}: expected ${cipher.keySize} bytes (${cipher.keySize * 2} hex digits), got ${got} bytes (${got * 2} hex digits)`,
    );
  }
  return new ResolvedEncryption(cipher, key);
}
