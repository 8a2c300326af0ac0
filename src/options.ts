/**
 * EncryptionOpts: what a user passes to select a cipher and key: `{ cipher, hexkey }` as in Turso,
 * optionally `format: 'pageseal'` (pageseal's own page format), or `{ cipher, passphrase, format:
 * 'pageseal' }` (a passphrase needs pageseal's format, which stores the KDF's salt and parameters).
 * The hex string is the raw key, and its length must match the cipher's key size.
 */
import { InvalidKeyError, InvalidOptionsError } from './errors.js';
import { findCipherSpec } from './ciphers/registry.js';
import type { CipherName, CipherSpec } from './ciphers/types.js';
import { DEFAULT_SCRYPT, checkScryptParams, deriveKey } from './kdf.js';
import { encodeSeal, hasPagesealMagic, newPagesealHeader, parsePagesealHeader, type PagesealHeader, type ScryptParams } from './format/pageseal-header.js';

/** Page formats: Turso's (the default, readable by the Turso engine) or pageseal's (page numbers and database bound). */
export type PageFormatOption = 'turso' | 'pageseal';

/** A raw key in hex, in either format. */
export interface HexKeyEncryption {
  /**
   * One of the canonical cipher names, e.g. `aegis256`. The type admits only those, so a typo such as
   * `aegis265` is a compile error. At run time the check is looser for JavaScript callers and
   * configuration strings: any case and the `aes-256-gcm` style aliases are accepted, and anything
   * else throws UnknownCipherError. From an untyped string use `findCipherSpec(s).name`.
   */
  cipher: CipherName;
  /** The key as hex: 32 hex digits for 128-bit-key ciphers, 64 for 256-bit-key ciphers. */
  hexkey: string;
  /** 'turso' (default) or 'pageseal'. An existing file must be in the format named. */
  format?: PageFormatOption;
  passphrase?: undefined;
}

/** A passphrase: pageseal's format only; the key is derived with scrypt (salt and parameters in the file). */
export interface PassphraseEncryption {
  /** As in HexKeyEncryption. */
  cipher: CipherName;
  /** Any non-empty string; never shown in errors or logs. */
  passphrase: string;
  format: 'pageseal';
  /** scrypt cost for a new database (default N = 2^17, r = 8, p = 1); an existing database keeps its own. */
  kdf?: { log2N?: number; r?: number; p?: number };
  hexkey?: undefined;
}

export type EncryptionOpts = HexKeyEncryption | PassphraseEncryption;

/** A validated cipher and key. Call `wipe()` when done: it zeroes the key bytes. */
export class ResolvedEncryption {
  readonly cipher: CipherSpec;
  readonly format: PageFormatOption;
  /** pageseal's format: the database's header fields (database id, KDF); undefined for Turso's. */
  readonly header: PagesealHeader | undefined;
  #key: Uint8Array;
  constructor(cipher: CipherSpec, key: Uint8Array, format: PageFormatOption = 'turso', header?: PagesealHeader) {
    this.cipher = cipher;
    this.#key = key;
    this.format = format;
    this.header = header;
  }
  /** What the VFS's registerKey takes for pageseal's format (prefix + database id), else null. */
  seal(): Uint8Array | null {
    return this.header ? encodeSeal(this.header) : null;
  }
  /** The raw key bytes (a live view: do not keep it past `wipe()`). */
  get key(): Uint8Array {
    return this.#key;
  }
  wipe(): void {
    this.#key.fill(0);
  }
  toString(): string {
    return `ResolvedEncryption(${this.cipher.name}, ${this.format}, key: [redacted])`;
  }
  toJSON(): object {
    return { cipher: this.cipher.name, format: this.format, key: '[redacted]' };
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

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
    if (hexValue(s.charCodeAt(i)) < 0) throw new InvalidKeyError(`hexkey has a character that is not a hex digit at position ${i + offset}. ${HEXKEY_HINT}`);
  }
  if (s.length % 2 !== 0) throw new InvalidKeyError(`hexkey has an odd number of hex digits (${s.length})`);
  // Decoded from char codes: no substring per byte (an open decodes the key, and open/close cycles
  // should allocate little, bench/open-close.ts).
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (hexValue(s.charCodeAt(2 * i)) << 4) | hexValue(s.charCodeAt(2 * i + 1));
  return out;
}

/** The value of the hex digit with char code `c` (0-9, a-f, A-F), or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

interface CheckedOpts {
  cipher: CipherSpec;
  format: PageFormatOption;
  hexkey?: unknown;
  passphrase?: string;
  kdf: ScryptParams;
}

function checkFormat(v: unknown): PageFormatOption {
  if (v === undefined || v === 'turso') return 'turso';
  if (v === 'pageseal') return 'pageseal';
  throw new InvalidOptionsError(`encryption format must be 'turso' or 'pageseal', got ${typeof v === 'string' && v.length <= 24 ? `'${v}'` : typeof v}`);
}

function checkKdf(v: unknown): ScryptParams {
  if (v === undefined) return DEFAULT_SCRYPT;
  if (v === null || typeof v !== 'object') throw new InvalidOptionsError('encryption kdf must be an object { log2N, r, p }');
  const o = v as Record<string, unknown>;
  const params: ScryptParams = {
    name: 'scrypt',
    log2N: (o.log2N ?? DEFAULT_SCRYPT.log2N) as number,
    r: (o.r ?? DEFAULT_SCRYPT.r) as number,
    p: (o.p ?? DEFAULT_SCRYPT.p) as number,
  };
  checkScryptParams(params, 'encryption kdf');
  return params;
}

/** Checks the shape of the options (no key is decoded or derived yet). */
function checkOpts(opts: unknown): CheckedOpts {
  if (opts === null || typeof opts !== 'object') throw new InvalidOptionsError('encryption options must be an object { cipher, hexkey }');
  const o = opts as Record<string, unknown>;
  if (o.cipher === undefined) throw new InvalidOptionsError('encryption options need a cipher (e.g. { cipher: "aegis256", hexkey: "..." })');
  if (typeof o.cipher !== 'string') throw new InvalidOptionsError(`encryption cipher must be a string, got ${typeof o.cipher}`);
  const format = checkFormat(o.format);
  if (o.passphrase !== undefined && o.hexkey !== undefined) throw new InvalidOptionsError('encryption options take a hexkey or a passphrase, not both');
  if (o.passphrase !== undefined) {
    if (typeof o.passphrase !== 'string' || o.passphrase.length === 0) throw new InvalidOptionsError('encryption passphrase must be a non-empty string');
    if (format !== 'pageseal') {
      throw new InvalidOptionsError("a passphrase needs format: 'pageseal' (Turso's format has no place for the key derivation's salt and parameters)");
    }
  } else if (o.hexkey === undefined) throw new InvalidOptionsError('encryption options need a hexkey (or, with format: \'pageseal\', a passphrase)');
  if (o.kdf !== undefined && o.passphrase === undefined) throw new InvalidOptionsError('encryption kdf goes with a passphrase');
  const cipher = findCipherSpec(o.cipher);
  return { cipher, format, hexkey: o.hexkey, passphrase: o.passphrase as string | undefined, kdf: checkKdf(o.kdf) };
}

function decodeKeyFor(cipher: CipherSpec, hexkey: unknown): Uint8Array {
  const key = decodeHexKey(hexkey);
  if (key.length !== cipher.keySize) {
    const got = key.length;
    key.fill(0);
    throw new InvalidKeyError(
      `key size does not match cipher ${cipher.name}: expected ${cipher.keySize} bytes (${cipher.keySize * 2} hex digits), got ${got} bytes (${got * 2} hex digits). ${HEXKEY_HINT}`,
    );
  }
  return key;
}

/** True when the options name a passphrase (the key then depends on the database's header). */
export function usesPassphrase(opts: unknown): boolean {
  return opts !== null && typeof opts === 'object' && (opts as { passphrase?: unknown }).passphrase !== undefined;
}

/** The page format the options ask for (they are checked first). */
export function formatOf(opts: unknown): PageFormatOption {
  return checkOpts(opts).format;
}

/**
 * Validates the options and returns the cipher and key, for a database whose stored page 1 header
 * is `stored` (its first 100 bytes; null or a non-pageseal header for a database to be created).
 * For pageseal's format the key is bound to the database's header: an existing one is read from
 * `stored`, a new one gets a fresh random database id (and the KDF parameters of the options). A
 * passphrase is run through scrypt here (about a quarter of a second by default).
 */
export function resolveEncryptionFor(opts: unknown, stored: Uint8Array | null): ResolvedEncryption {
  const o = checkOpts(opts);
  if (o.format === 'turso') return new ResolvedEncryption(o.cipher, decodeKeyFor(o.cipher, o.hexkey));
  const existing = stored !== null && hasPagesealMagic(stored);
  const header = existing ? parsePagesealHeader(stored) : newPagesealHeader(o.cipher, o.passphrase !== undefined ? o.kdf : null);
  if (o.passphrase === undefined) return new ResolvedEncryption(o.cipher, decodeKeyFor(o.cipher, o.hexkey), 'pageseal', header);
  if (header.kdf === null) {
    throw new InvalidOptionsError('this database was created with a raw key (hexkey), not a passphrase: open it with its hexkey');
  }
  if (header.cipherId !== o.cipher.id) return new ResolvedEncryption(o.cipher, new Uint8Array(o.cipher.keySize), 'pageseal', header); // refused by the header check
  return new ResolvedEncryption(o.cipher, deriveKey(o.passphrase, o.cipher, header.databaseId, header.kdf), 'pageseal', header);
}

/**
 * Validates `{ cipher, hexkey[, format] }` and returns the cipher spec and decoded key. For pageseal's
 * format the key is bound to a fresh database id; to open an existing pageseal file, or with a
 * passphrase, use resolveEncryptionFor with its header.
 */
export function resolveEncryption(opts: unknown): ResolvedEncryption {
  if (usesPassphrase(opts)) {
    checkOpts(opts);
    throw new InvalidOptionsError("a passphrase's key depends on the database (its salt is in the file): use open(), Database or the tools, which read it");
  }
  return resolveEncryptionFor(opts, null);
}
