/**
 * Writes an empty SQLite database (one page: the header and an empty schema table) whose pages
 * reserve `reservedBytes` at their end. SQLite keeps the reserve of an existing file, so a database
 * created by stock better-sqlite3 on top of this file can later be encrypted in Turso's format
 * (the reserve cannot be requested from JavaScript: SQLITE_FCNTL_RESERVE_BYTES needs the C API).
 *
 * Field values from https://www.sqlite.org/fileformat2.html ("1.3 The Database Header" and
 * "1.6 B-tree Pages": a leaf table b-tree page has type 13 and an 8-byte header).
 */
import { writeFileSync } from 'node:fs';
import { HEADER_SIZE, MAX_PAGE_SIZE, SQLITE_MAGIC, checkPageGeometry } from './sqlite-header.js';

const LEAF_TABLE_PAGE = 13;
/** Written into header bytes 96..99 ("SQLITE_VERSION_NUMBER" of the last writer); any 3.x value works. */
const WRITER_VERSION = 3045000;

/** The single page of an empty database with the given geometry. */
export function emptyDatabasePage(pageSize: number, reservedBytes: number): Uint8Array {
  checkPageGeometry(pageSize, reservedBytes);
  const page = new Uint8Array(pageSize);
  const dv = new DataView(page.buffer);
  page.set(SQLITE_MAGIC, 0);
  dv.setUint16(16, pageSize === MAX_PAGE_SIZE ? 1 : pageSize);
  page[18] = 1; // write version: legacy (rollback journal)
  page[19] = 1; // read version
  page[20] = reservedBytes;
  page[21] = 64; // max embedded payload fraction
  page[22] = 32; // min embedded payload fraction
  page[23] = 32; // leaf payload fraction
  dv.setUint32(24, 1); // file change counter
  dv.setUint32(28, 1); // database size in pages
  dv.setUint32(44, 4); // schema format number
  dv.setUint32(56, 1); // text encoding: UTF-8
  dv.setUint32(92, 1); // version-valid-for = change counter, so the size at 28 is valid
  dv.setUint32(96, WRITER_VERSION);
  page[HEADER_SIZE] = LEAF_TABLE_PAGE; // sqlite_schema root: empty leaf table page
  dv.setUint16(HEADER_SIZE + 5, (pageSize - reservedBytes) & 0xffff); // cell content starts at the usable end (0 = 65536)
  return page;
}

/** Creates `path` (which must not exist) as an empty database with this page size and reserve. */
export function createEmptyDatabase(path: string, pageSize: number, reservedBytes: number): void {
  writeFileSync(path, emptyDatabasePage(pageSize, reservedBytes), { flag: 'wx', mode: 0o600 });
}
