/**
 * The golden Turso files (test/fixtures/turso-golden/, written by the real Turso engine 0.7.2) and
 * helpers to read them back: manifest entries, copies in temp dirs, row hashes via stock better-sqlite3.
 */
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { rowsSha256 } from './rows.js';
import { WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, parseWalHeader, walChecksum } from '../../src/format/wal.js';
import type { CipherName } from '../../src/ciphers/types.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/turso-golden/', import.meta.url));

export interface GoldenFile {
  file: string;
  wal_file: string | null;
  cipher: CipherName;
  cipher_id: number;
  hexkey: string;
  nonce_bytes: number;
  reserved_bytes: number;
  page_size: number;
  file_pages: number;
  file_sha256: string;
  wal_sha256: string | null;
  expected_row_count: number;
  rows_sha256: string;
  wal_frames?: number;
  main_file_only?: { row_count: number; rows_sha256: string };
}

export const MANIFEST = JSON.parse(readFileSync(join(GOLDEN_DIR, 'MANIFEST.json'), 'utf8')) as { files: GoldenFile[] };

export function golden(name: string): GoldenFile {
  const f = MANIFEST.files.find((g) => g.file === name);
  if (!f) throw new Error(`no golden file ${name}`);
  return f;
}

export function tempDir(prefix = 'pageseal-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies a golden database (and its -wal when `withWal` and it has one) into `dir`; returns the copy's path. */
export function copyGolden(g: GoldenFile, dir: string, withWal = true): string {
  const dest = join(dir, g.file);
  copyFileSync(join(GOLDEN_DIR, g.file), dest);
  if (withWal && g.wal_file) copyFileSync(join(GOLDEN_DIR, g.wal_file), dest + '-wal');
  return dest;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export interface ReadBack {
  integrity: string;
  count: number;
  sha: string;
}

/** Opens a plain database with stock better-sqlite3 (open a copy: WAL mode adds -wal/-shm files) and reads table t. */
export function readBack(path: string): ReadBack {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const db = new Database(path, { fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? '';
    const rows = db.prepare('SELECT id, name, blob FROM t ORDER BY id').all() as { id: number; name: string; blob: Buffer }[];
    return { integrity, count: rows.length, sha: rowsSha256(rows) };
  } finally {
    db.close();
  }
}

/** The nonce (last `nonceBytes` bytes) of every page of a file, as hex strings. */
export function pageNonces(path: string, pageSize: number, nonceBytes: number, start = 0, frameStride = pageSize): string[] {
  const bytes = readFileSync(path);
  const out: string[] = [];
  for (let at = start; at + pageSize <= bytes.length; at += frameStride) {
    out.push(bytes.subarray(at + pageSize - nonceBytes, at + pageSize).toString('hex'));
  }
  return out;
}

/** Flips bits of one byte of a file in place (XOR `mask`); flipping again restores it. */
export function flipByte(path: string, offset: number, mask: number): void {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ mask;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Rewrites the checksum chain of a WAL file over `checksummed(frameIndex, pageNo, storedPage)`
 * (default: the stored bytes), so a test can tamper a frame and still have a valid chain, or make a
 * WAL whose checksums cover plaintext as SQLite writes them through an encrypting VFS.
 */
export function rechainWal(path: string, checksummed: (index: number, pageNo: number, page: Uint8Array) => Uint8Array = (_i, _p, page) => page): void {
  const wal = readFileSync(path);
  const header = parseWalHeader(wal.subarray(0, WAL_HEADER_SIZE));
  if (!header) throw new Error(`${path} has no valid WAL header`);
  const frameSize = WAL_FRAME_HEADER_SIZE + header.pageSize;
  const sum = Uint32Array.of(header.checksum1, header.checksum2);
  for (let i = 0, at = WAL_HEADER_SIZE; at + frameSize <= wal.length; i++, at += frameSize) {
    const fh = wal.subarray(at, at + WAL_FRAME_HEADER_SIZE);
    const page = wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + frameSize);
    walChecksum(fh.subarray(0, 8), header.bigEndianChecksum, sum);
    walChecksum(checksummed(i, fh.readUInt32BE(0), page), header.bigEndianChecksum, sum);
    fh.writeUInt32BE(sum[0]!, 16);
    fh.writeUInt32BE(sum[1]!, 20);
  }
  writeFileSync(path, wal);
}
