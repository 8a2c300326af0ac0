/**
 * EncryptionOpts: what a user passes to select a cipher and key, `{ cipher, hexkey }` as in Turso.
 * The hex string is the raw key (no KDF), and its length must match the cipher's key size.
 */
import { InvalidKeyError, InvalidOptionsError } from './errors.js';
import { findCipherSpec } from './ciphers/registry.js';
import type { CipherSpec } from './ciphers/types.js';

export interface EncryptionOpts {
  /** Cipher name, e.g. `aegis256` (case-insensitive; `aes-256-gcm` style aliases accepted). */
  cipher: string;
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

/** What a hexkey is, for errors about one that is not (a passphrase given as a key, mostly). Never shows the value. */
export const HEXKEY_HINT =
  'hexkey is the raw key written in hex (e.g. crypto.randomBytes(32).toString("hex")), not a passphrase: ' +
  'pageseal does no key derivation, so derive a key from a passphrase yourself with a slow KDF ' +
  '(e.g. crypto.scryptSync(passphrase, salt, 32).toString("hex"), keeping the salt)';

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
  for (let i = 0; i < s.length; i++) {
    if (!HEX.test(s[i]!)) throw new InvalidKeyError(`hexkey has a character that is not a hex digit at position ${i + offset}. ${HEXKEY_HINT}`);
  }
  if (s.length % 2 !== 0) throw new InvalidKeyError(`hexkey has an odd number of hex digits (${s.length})`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
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
      `key size does not match cipher ${cipher.name}: expected ${cipher.keySize} bytes (${cipher.keySize * 2} hex digits), got ${got} bytes (${got * 2} hex digits). ${HEXKEY_HINT}`,
    );
  }
  return new ResolvedEncryption(cipher, key);
}
