/**
 * The 100-byte SQLite database header (facts from https://www.sqlite.org/fileformat2.html,
 * "1.3 The Database Header"). All multi-byte fields are big-endian.
 *
 *   0  16  magic "SQLite format 3\0" (Turso replaces it: see page-codec.ts)
 *  16   2  page size (1 means 65536)
 *  18   1  file format write version (1 legacy, 2 WAL)
 *  19   1  file format read version
 *  20   1  reserved bytes at the end of each page
 *  21   3  payload fractions, must be 64, 32, 32
 *  24   4  file change counter
 *  28   4  database size in pages (valid only when 92..95 equals 24..27 and it is non-zero)
 *  92   4  version-valid-for number
 */
import { FormatError } from '../errors.js';

export const HEADER_SIZE = 100;
/** "SQLite format 3\0" */
export const SQLITE_MAGIC = new Uint8Array([...'SQLite format 3'].map((c) => c.charCodeAt(0)).concat(0));
export const MIN_PAGE_SIZE = 512;
export const MAX_PAGE_SIZE = 65536;
/** SQLite refuses a page whose usable size (page size - reserved bytes) is below 480. */
export const MIN_USABLE_SIZE = 480;

export interface SqliteHeader {
  pageSize: number;
  writeVersion: number;
  readVersion: number;
  reservedBytes: number;
  fileChangeCounter: number;
  /** The in-header database size; 0 when the field is not valid (see `headerPageCount`). */
  databaseSizePages: number;
  /** The raw database size field at offset 28, valid or not (Turso keeps it current). */
  declaredPages: number;
  versionValidFor: number;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** True when the first 16 bytes are SQLite's magic string. */
export function hasSqliteMagic(bytes: Uint8Array): boolean {
  if (bytes.length < SQLITE_MAGIC.length) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (bytes[i] !== SQLITE_MAGIC[i]) return false;
  return true;
}

/** Decodes the 2-byte page size field (1 encodes 65536); returns 0 when it is not a valid size. */
export function decodePageSize(hi: number, lo: number): number {
  const raw = (hi << 8) | lo;
  const size = raw === 1 ? MAX_PAGE_SIZE : raw;
  return isValidPageSize(size) ? size : 0;
}

/** A power of two from 512 to 65536. */
export function isValidPageSize(size: number): boolean {
  return Number.isInteger(size) && size >= MIN_PAGE_SIZE && size <= MAX_PAGE_SIZE && (size & (size - 1)) === 0;
}

/** Throws FormatError UNSUPPORTED_PAGE_SIZE unless `pageSize` is a valid SQLite page size with enough usable space. */
export function checkPageGeometry(pageSize: number, reservedBytes: number): void {
  if (!isValidPageSize(pageSize)) {
    throw new FormatError('UNSUPPORTED_PAGE_SIZE', `page size ${pageSize} is not supported: it must be a power of two from 512 to 65536`);
  }
  if (pageSize - reservedBytes < MIN_USABLE_SIZE) {
    throw new FormatError(
      'UNSUPPORTED_PAGE_SIZE',
      `page size ${pageSize} with ${reservedBytes} reserved bytes leaves ${pageSize - reservedBytes} usable bytes per page; SQLite needs at least ${MIN_USABLE_SIZE} (use a larger page size)`,
    );
  }
}

/**
 * Parses header bytes 16..99 (the magic at 0..15 is the caller's business: plain SQLite and Turso
 * differ there) and validates them. Throws FormatError CORRUPT / UNSUPPORTED_PAGE_SIZE.
 */
export function parseSqliteHeader(bytes: Uint8Array): SqliteHeader {
  if (bytes.length < HEADER_SIZE) throw new FormatError('CORRUPT', `database header is truncated: ${bytes.length} of ${HEADER_SIZE} bytes`);
  const pageSize = decodePageSize(bytes[16]!, bytes[17]!);
  if (pageSize === 0) {
    throw new FormatError('UNSUPPORTED_PAGE_SIZE', `invalid page size field ${(bytes[16]! << 8) | bytes[17]!} in the database header`);
  }
  if (bytes[21] !== 64 || bytes[22] !== 32 || bytes[23] !== 32) {
    throw new FormatError('CORRUPT', 'database header has invalid payload fractions (bytes 21..23 must be 64, 32, 32)');
  }
  const writeVersion = bytes[18]!;
  const readVersion = bytes[19]!;
  if (writeVersion < 1 || writeVersion > 2 || readVersion < 1 || readVersion > 2) {
    throw new FormatError('CORRUPT', `database header has unknown file format versions (write ${writeVersion}, read ${readVersion})`);
  }
  const reservedBytes = bytes[20]!;
  checkPageGeometry(pageSize, reservedBytes);
  const fileChangeCounter = u32(bytes, 24);
  const versionValidFor = u32(bytes, 92);
  const size = u32(bytes, 28);
  const databaseSizePages = size !== 0 && versionValidFor === fileChangeCounter ? size : 0;
  return { pageSize, writeVersion, readVersion, reservedBytes, fileChangeCounter, databaseSizePages, declaredPages: size, versionValidFor };
}

/**
 * The page count SQLite would use: the in-header size when valid, else the file size in whole pages
 * (fileformat2.html, "1.3.7 In-header database size").
 */
export function headerPageCount(header: SqliteHeader, fileBytes: number): number {
  return header.databaseSizePages || Math.floor(fileBytes / header.pageSize);
}
