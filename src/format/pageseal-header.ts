/**
 * Page 1's header in pageseal's own format (docs/format.md, "The pageseal format"). SQLite's
 * 100-byte header stays, with two regions replaced on disk:
 *
 *   bytes  0..7   "pageseal"                       (SQLite's magic "SQLite format 3\0" in plaintext)
 *          8      format version, 1
 *          9      cipher id (src/ciphers/table.ts)
 *         10      KDF id: 0 = none (the key is given raw), 1 = scrypt
 *         11      flags, 0
 *         12..14  KDF parameters (scrypt: log2 N, r, p); zero without a KDF
 *         15      zero
 *         72..87  database id: 16 random bytes drawn when the database is created
 *         88..91  zero
 *
 * Bytes 72..91 are SQLite's "reserved for expansion" (must be zero): the VFS and the codec give
 * SQLite zeros there and put the id back when page 1 is written. The whole stored header is
 * associated data of page 1, so every field above is authenticated with the key.
 */
import { randomBytes } from 'node:crypto';
import { FormatError } from '../errors.js';
import { cipherSpecById } from '../ciphers/registry.js';
import type { CipherSpec } from '../ciphers/types.js';

/** "pageseal" */
export const PAGESEAL_MAGIC = new Uint8Array([0x70, 0x61, 0x67, 0x65, 0x73, 0x65, 0x61, 0x6c]);
export const PAGESEAL_VERSION = 1;
export const DATABASE_ID_OFFSET = 72;
export const DATABASE_ID_SIZE = 16;
/** End of SQLite's reserved-for-expansion region (72..91). */
export const EXPANSION_END = 92;
/** prefix (16 bytes) + database id (16 bytes): what the VFS's registerKey takes as `seal`. */
export const SEAL_BYTES = 32;

export const KDF_NONE = 0;
export const KDF_SCRYPT = 1;

/** scrypt's cost: N = 2^log2N, block size r, parallelism p (RFC 7914). */
export interface ScryptParams {
  readonly name: 'scrypt';
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

export interface PagesealHeader {
  readonly cipherId: number;
  /** null when the key is given raw (hexkey). */
  readonly kdf: ScryptParams | null;
  readonly flags: number;
  /** 16 random bytes naming the database, bound into every page (and the KDF's salt). */
  readonly databaseId: Uint8Array;
}

export function hasPagesealMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  for (let i = 0; i < PAGESEAL_MAGIC.length; i++) if (bytes[i] !== PAGESEAL_MAGIC[i]) return false;
  return true;
}

/** A new header: a fresh random database id. */
export function newPagesealHeader(cipher: CipherSpec, kdf: ScryptParams | null): PagesealHeader {
  return { cipherId: cipher.id, kdf, flags: 0, databaseId: new Uint8Array(randomBytes(DATABASE_ID_SIZE)) };
}

/** The 16 bytes stored in place of SQLite's magic. */
export function encodePagesealPrefix(h: PagesealHeader): Uint8Array {
  const out = new Uint8Array(16);
  out.set(PAGESEAL_MAGIC, 0);
  out[8] = PAGESEAL_VERSION;
  out[9] = h.cipherId;
  out[10] = h.kdf ? KDF_SCRYPT : KDF_NONE;
  out[11] = h.flags;
  if (h.kdf) {
    out[12] = h.kdf.log2N;
    out[13] = h.kdf.r;
    out[14] = h.kdf.p;
  }
  return out;
}

/** prefix + database id, as the VFS takes them. */
export function encodeSeal(h: PagesealHeader): Uint8Array {
  const out = new Uint8Array(SEAL_BYTES);
  out.set(encodePagesealPrefix(h), 0);
  out.set(h.databaseId, 16);
  return out;
}

/**
 * Reads the pageseal fields of a stored page 1 header (at least 92 bytes). Throws FormatError
 * NOT_A_DATABASE (no "pageseal" magic) or CORRUPT (unknown version, KDF or flags, non-zero spare bytes).
 */
export function parsePagesealHeader(stored: Uint8Array): PagesealHeader {
  if (!hasPagesealMagic(stored) || stored.length < EXPANSION_END) throw new FormatError('NOT_A_DATABASE', 'page 1 does not start with "pageseal"');
  if (stored[8] !== PAGESEAL_VERSION) throw new FormatError('CORRUPT', `unsupported pageseal format version ${stored[8]} (this pageseal reads version ${PAGESEAL_VERSION})`);
  const kdfId = stored[10]!;
  const flags = stored[11]!;
  if (flags !== 0) throw new FormatError('CORRUPT', `unknown pageseal header flags ${flags}`);
  if (stored[15] !== 0) throw new FormatError('CORRUPT', 'pageseal header byte 15 must be zero');
  for (let i = DATABASE_ID_OFFSET + DATABASE_ID_SIZE; i < EXPANSION_END; i++) {
    if (stored[i] !== 0) throw new FormatError('CORRUPT', `pageseal header byte ${i} must be zero`);
  }
  let kdf: ScryptParams | null = null;
  if (kdfId === KDF_SCRYPT) kdf = { name: 'scrypt', log2N: stored[12]!, r: stored[13]!, p: stored[14]! };
  else if (kdfId !== KDF_NONE) throw new FormatError('CORRUPT', `unknown key derivation id ${kdfId} in the pageseal header`);
  else if (stored[12] !== 0 || stored[13] !== 0 || stored[14] !== 0) throw new FormatError('CORRUPT', 'pageseal header: KDF parameters without a KDF');
  return { cipherId: stored[9]!, kdf, flags, databaseId: stored.slice(DATABASE_ID_OFFSET, DATABASE_ID_OFFSET + DATABASE_ID_SIZE) };
}

/** The cipher named by a pageseal header (undefined when unknown). */
export function pagesealCipherOf(stored: Uint8Array): CipherSpec | undefined {
  return hasPagesealMagic(stored) ? cipherSpecById(stored[9]!) : undefined;
}

export function hexId(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}
