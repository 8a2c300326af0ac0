/**
 * Page formats: how one SQLite page is sealed on disk. Turso's format (docs/format.md, read from
 * Turso core/storage/encryption.rs v0.7.2):
 *
 *   every page but 1:  [ciphertext of bytes 0..P-N-T) ][ tag (T=16) ][ nonce (N) ]   AD = empty
 *   page 1:            [ "Turso" 0x00 <cipher id> 0x00*9 ][ header bytes 16..99, plaintext ]
 *                      [ ciphertext of bytes 100..P-N-T ][ tag ][ nonce ]            AD = on-disk bytes 0..99
 *
 * The decrypted page ends with N+T zero bytes (SQLite's reserved region, header byte 20 = N+T).
 *
 * Turso's format leaves the page number unauthenticated. pageseal's format (pageseal-format.ts)
 * keeps this layout and binds the page number and a per-database random id into the associated
 * data: it subclasses TursoPageFormat through the protected hooks below.
 */
import { AuthenticationError, FormatError } from '../errors.js';
import { cipherSpecById } from '../ciphers/registry.js';
import type { Cipher, CipherSpec } from '../ciphers/types.js';
import { hasPagesealMagic } from './pageseal-header.js';
import { HEADER_SIZE, SQLITE_MAGIC, checkPageGeometry, decodePageSize, hasSqliteMagic } from './sqlite-header.js';

export type PageFormatName = 'turso' | 'pageseal';

/** Where a page is stored, for formats that bind it (Turso's uses none of it). */
export interface PageContext {
  /** The page is in a WAL frame: its salts as stored (frame header bytes 8..15) and 1-based frame number. */
  readonly wal?: { readonly salt: Uint8Array; readonly frame: number };
  /** Stored in page 1's layout (plaintext header in front); default: pageNo === 1. */
  readonly page1Layout?: boolean;
}

/** Seals and opens whole pages of one database (one cipher, one key, one page size). */
export interface PageFormat {
  readonly name: PageFormatName;
  readonly cipher: CipherSpec;
  readonly pageSize: number;
  /** Bytes at the end of every page taken by the seal (nonce + tag): the header's byte 20. */
  readonly reservedBytes: number;
  /**
   * Encrypts the plaintext page `input` (pageSize bytes) into `output` (defaults to `input`: in place)
   * with a fresh random nonce. Returns `output`.
   */
  encryptPage(pageNo: number, input: Uint8Array, ctx?: PageContext, output?: Uint8Array): Uint8Array;
  /**
   * Authenticates and decrypts the stored page `input` into `output` (defaults to `input`).
   * Throws AuthenticationError (with pageNumber) or FormatError; `output` is untouched on failure.
   */
  decryptPage(pageNo: number, input: Uint8Array, ctx?: PageContext, output?: Uint8Array): Uint8Array;
  /** Zeroes this codec's copy of the key. */
  wipe(): void;
}

/** "Turso" */
export const TURSO_PREFIX = new Uint8Array([0x54, 0x75, 0x72, 0x73, 0x6f]);
export const TURSO_FORMAT_VERSION = 0;
const CIPHER_ID_OFFSET = 6;
const MAGIC_SIZE = 16;

/** What the first bytes of a database file say it is. */
export type FileKind = 'turso' | 'pageseal' | 'sqlite' | 'unknown';

export function classifyHeader(bytes: Uint8Array): FileKind {
  if (hasSqliteMagic(bytes)) return 'sqlite';
  if (hasPagesealMagic(bytes)) return 'pageseal';
  return hasTursoPrefix(bytes) ? 'turso' : 'unknown';
}

export function hasTursoPrefix(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC_SIZE) return false;
  for (let i = 0; i < TURSO_PREFIX.length; i++) if (bytes[i] !== TURSO_PREFIX[i]) return false;
  return true;
}

function describeCipherId(id: number): string {
  const spec = cipherSpecById(id);
  return spec ? `${spec.name} (cipher id ${id})` : `an unknown cipher (cipher id ${id})`;
}

/**
 * Checks the 16-byte Turso magic of page 1: prefix, version 0, the expected cipher id, bytes 7..15 zero.
 * Throws FormatError NOT_ENCRYPTED / NOT_A_DATABASE / CIPHER_MISMATCH / CORRUPT.
 */
export function checkTursoMagic(bytes: Uint8Array, expected: CipherSpec): void {
  if (!hasTursoPrefix(bytes)) {
    if (hasSqliteMagic(bytes)) throw new FormatError('NOT_ENCRYPTED', 'the database is a plain (unencrypted) SQLite file, not a Turso-encrypted one');
    if (hasPagesealMagic(bytes)) throw new FormatError('FORMAT_MISMATCH', "the database is in pageseal's format, not Turso's: open it with format 'pageseal'");
    throw new FormatError('NOT_A_DATABASE', 'not a Turso-encrypted database (page 1 does not start with "Turso")');
  }
  if (bytes[5] !== TURSO_FORMAT_VERSION) throw new FormatError('CORRUPT', `unsupported Turso encryption format version ${bytes[5]} (expected 0)`);
  const id = bytes[CIPHER_ID_OFFSET]!;
  if (id !== expected.id) {
    throw new FormatError('CIPHER_MISMATCH', `the database is encrypted with ${describeCipherId(id)}, not with ${expected.name} (cipher id ${expected.id})`);
  }
  for (let i = 7; i < MAGIC_SIZE; i++) {
    if (bytes[i] !== 0) throw new FormatError('CORRUPT', `Turso header byte ${i} must be zero`);
  }
}

/** The cipher named by page 1's id byte (undefined when unknown or not a Turso file). */
export function tursoCipherOf(bytes: Uint8Array): CipherSpec | undefined {
  return hasTursoPrefix(bytes) ? cipherSpecById(bytes[CIPHER_ID_OFFSET]!) : undefined;
}

function writeTursoMagic(out: Uint8Array, cipher: CipherSpec): void {
  out.fill(0, 0, MAGIC_SIZE);
  out.set(TURSO_PREFIX, 0);
  out[5] = TURSO_FORMAT_VERSION;
  out[CIPHER_ID_OFFSET] = cipher.id;
}

/** Turso's page format (engine 0.7.2). */
export class TursoPageFormat implements PageFormat {
  readonly name: PageFormatName = 'turso';
  readonly cipher: Cipher;
  readonly pageSize: number;
  readonly reservedBytes: number;
  /** End of the encrypted region: P - N - T. */
  readonly #sealStart: number;
  readonly #key: Uint8Array;

  constructor(cipher: Cipher, key: Uint8Array, pageSize: number) {
    if (key.length !== cipher.keySize) throw new RangeError(`key must be ${cipher.keySize} bytes for ${cipher.name}`);
    checkPageGeometry(pageSize, cipher.reservedBytes);
    this.cipher = cipher;
    this.pageSize = pageSize;
    this.reservedBytes = cipher.reservedBytes;
    this.#sealStart = pageSize - cipher.reservedBytes;
    this.#key = Uint8Array.from(key);
  }

  /** The associated data of a page: Turso binds page 1's on-disk header and nothing else. */
  protected associatedData(_pageNo: number, storedHeader: Uint8Array | undefined, _ctx: PageContext): Uint8Array | undefined {
    return storedHeader;
  }

  /** Writes the stored form of header bytes 0..15 (and any other stored-only bytes) into `output`. */
  protected writePrefix(_input: Uint8Array, output: Uint8Array): void {
    writeTursoMagic(output, this.cipher);
  }

  /** Checks the stored page 1 header before authenticating it. */
  protected checkPrefix(input: Uint8Array): void {
    checkTursoMagic(input, this.cipher);
  }

  /** Gives SQLite its own header back in `output` (bytes 0..99, after decryption). */
  protected restoreHeader(output: Uint8Array): void {
    output.set(SQLITE_MAGIC, 0);
  }

  encryptPage(pageNo: number, input: Uint8Array, ctx: PageContext = {}, output: Uint8Array = input): Uint8Array {
    return this.encryptPageWithNonce(pageNo, input, undefined, ctx, output);
  }

  /** encryptPage with a given nonce: for test vectors only (a nonce must never be reused under a key). */
  encryptPageWithNonce(pageNo: number, input: Uint8Array, fixedNonce: Uint8Array | undefined, ctx: PageContext = {}, output: Uint8Array = input): Uint8Array {
    this.#checkArgs(pageNo, input, output);
    const page1 = ctx.page1Layout ?? pageNo === 1;
    const start = page1 ? HEADER_SIZE : 0;
    if (page1) this.#sealHeader(input, output);
    const nonce = output.subarray(this.#sealStart + 16, this.pageSize);
    if (fixedNonce) nonce.set(fixedNonce);
    else crypto.getRandomValues(nonce);
    const ad = this.associatedData(pageNo, page1 ? output.subarray(0, HEADER_SIZE) : undefined, ctx);
    const sealed = this.cipher.encrypt(this.#key, nonce, input.subarray(start, this.#sealStart), ad);
    output.set(sealed.ciphertext, start);
    output.set(sealed.tag, this.#sealStart);
    return output;
  }

  decryptPage(pageNo: number, input: Uint8Array, ctx: PageContext = {}, output: Uint8Array = input): Uint8Array {
    this.#checkArgs(pageNo, input, output);
    const page1 = ctx.page1Layout ?? pageNo === 1;
    const start = page1 ? HEADER_SIZE : 0;
    if (page1) this.checkPrefix(input);
    const ad = this.associatedData(pageNo, page1 ? input.subarray(0, HEADER_SIZE) : undefined, ctx);
    const tag = input.subarray(this.#sealStart, this.#sealStart + 16);
    const nonce = input.subarray(this.#sealStart + 16, this.pageSize);
    const plain = this.#open(pageNo, nonce, input.subarray(start, this.#sealStart), tag, ad);
    if (page1) {
      if (output !== input) output.set(input.subarray(MAGIC_SIZE, HEADER_SIZE), MAGIC_SIZE);
      this.restoreHeader(output);
    }
    output.set(plain, start);
    output.fill(0, this.#sealStart);
    return output;
  }

  wipe(): void {
    this.#key.fill(0);
  }

  toString(): string {
    return `${this.constructor.name}(${this.cipher.name}, page size ${this.pageSize}, key: [redacted])`;
  }

  /** Page 1: the plaintext header must describe this geometry; its magic is replaced by Turso's. */
  #sealHeader(input: Uint8Array, output: Uint8Array): void {
    if (!hasSqliteMagic(input)) throw new FormatError('NOT_A_DATABASE', 'page 1 to encrypt does not start with the SQLite header');
    if (decodePageSize(input[16]!, input[17]!) !== this.pageSize) {
      throw new FormatError('CORRUPT', `page 1 says page size ${(input[16]! << 8) | input[17]!}, the codec was set up for ${this.pageSize}`);
    }
    if (input[20] !== this.reservedBytes) {
      throw new FormatError('RESERVE_MISMATCH', `page 1 has ${input[20]} reserved bytes per page; ${this.cipher.name} needs ${this.reservedBytes}`);
    }
    if (output !== input) output.set(input.subarray(MAGIC_SIZE, HEADER_SIZE), MAGIC_SIZE);
    this.writePrefix(input, output);
  }

  #open(pageNo: number, nonce: Uint8Array, ct: Uint8Array, tag: Uint8Array, ad: Uint8Array | undefined): Uint8Array {
    try {
      return this.cipher.decrypt(this.#key, nonce, ct, tag, ad);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      throw new AuthenticationError(`page ${pageNo} failed authentication (wrong key, or the page was modified)`, pageNo);
    }
  }

  #checkArgs(pageNo: number, input: Uint8Array, output: Uint8Array): void {
    if (!Number.isInteger(pageNo) || pageNo < 1 || pageNo > 0xffffffff) throw new RangeError(`page number must be an integer >= 1, got ${pageNo}`);
    if (input.length !== this.pageSize) throw new RangeError(`page buffer must be ${this.pageSize} bytes, got ${input.length}`);
    if (output.length !== this.pageSize) throw new RangeError(`output page buffer must be ${this.pageSize} bytes, got ${output.length}`);
  }
}

/** Creates the Turso page codec for one database (pageseal's: createPagesealFormat). The codec keeps its own copy of the key. */
export function createPageFormat(format: PageFormatName, cipher: Cipher, key: Uint8Array, pageSize: number): PageFormat {
  if (format !== 'turso') throw new RangeError(`createPageFormat makes Turso codecs; use createPagesealFormat for ${String(format)}`);
  return new TursoPageFormat(cipher, key, pageSize);
}
