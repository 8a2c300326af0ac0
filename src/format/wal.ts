/**
 * SQLite's write-ahead log: header, frames and checksum chain (facts from
 * https://www.sqlite.org/fileformat2.html, "4. The Write-Ahead Log"). All fields are big-endian.
 *
 * WAL header (32 bytes): magic 0x377f0682 | 0x377f0683 (low bit 1 = checksum words are big-endian),
 *   version 3007000, page size, checkpoint sequence, salt-1, salt-2, checksum-1, checksum-2
 *   (the checksum covers header bytes 0..23).
 * Frame header (24 bytes): page number, database size after commit (non-zero = commit frame),
 *   salt-1, salt-2, checksum-1, checksum-2 (cumulative over every earlier frame, this frame's header
 *   bytes 0..7 and its page bytes as stored). A frame is valid when its salts equal the header's and
 *   its checksum matches; the log ends at the first invalid frame, and only frames up to the last
 *   valid commit frame are committed.
 *
 * In Turso's encrypted files the stored page is the ciphertext, so the chain is checked over it.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readAt } from './read-at.js';
import { isValidPageSize } from './sqlite-header.js';

export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;
export const WAL_MAGIC_LE = 0x377f0682;
export const WAL_MAGIC_BE = 0x377f0683;
export const WAL_VERSION = 3007000;

export interface WalHeader {
  /** Checksum words are read big-endian (magic 0x377f0683) or little-endian (0x377f0682). */
  bigEndianChecksum: boolean;
  pageSize: number;
  checkpointSequence: number;
  salt1: number;
  salt2: number;
  checksum1: number;
  checksum2: number;
}

export interface WalFrameHeader {
  pageNumber: number;
  /** Database size in pages after this commit; 0 for a frame that is not a commit frame. */
  commitSize: number;
  salt1: number;
  salt2: number;
  checksum1: number;
  checksum2: number;
}

/** One committed frame of a WAL file. */
export interface WalFrame {
  /** 0-based frame index. */
  index: number;
  pageNumber: number;
  commitSize: number;
  /** File offset of the frame's page bytes (after its 24-byte header). */
  pageOffset: number;
}

export interface WalScan {
  /** null when the file is shorter than a header or the header is not valid. */
  header: WalHeader | null;
  /** The committed frames in log order. */
  frames: WalFrame[];
  /** Database size in pages after the last commit; 0 when nothing is committed. */
  databaseSize: number;
  /** For each page number, the page offset of its latest committed frame. */
  latest: Map<number, number>;
  /** Whole frames in the file, committed or not (frames past the last commit or a chain break are ignored). */
  framesInFile: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Adds `data` (a multiple of 8 bytes) to the running checksum `sum` (two 32-bit words, updated in place):
 * for each pair of 32-bit words x0, x1: s0 += x0 + s1; s1 += x1 + s0 (modulo 2^32).
 */
export function walChecksum(data: Uint8Array, bigEndian: boolean, sum: Uint32Array): Uint32Array {
  if (data.length % 8 !== 0) throw new RangeError('WAL checksum input must be a multiple of 8 bytes');
  const dv = view(data);
  const little = !bigEndian;
  let s0 = sum[0]!;
  let s1 = sum[1]!;
  for (let i = 0; i < data.length; i += 8) {
    s0 = (s0 + dv.getUint32(i, little) + s1) >>> 0;
    s1 = (s1 + dv.getUint32(i + 4, little) + s0) >>> 0;
  }
  sum[0] = s0;
  sum[1] = s1;
  return sum;
}

/** Parses and checks a WAL header; null when the magic, version, page size or checksum is wrong. */
export function parseWalHeader(bytes: Uint8Array): WalHeader | null {
  if (bytes.length < WAL_HEADER_SIZE) return null;
  const dv = view(bytes);
  const magic = dv.getUint32(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return null;
  if (dv.getUint32(4) !== WAL_VERSION) return null;
  const pageSize = dv.getUint32(8);
  if (!isValidPageSize(pageSize)) return null;
  const header: WalHeader = {
    bigEndianChecksum: magic === WAL_MAGIC_BE,
    pageSize,
    checkpointSequence: dv.getUint32(12),
    salt1: dv.getUint32(16),
    salt2: dv.getUint32(20),
    checksum1: dv.getUint32(24),
    checksum2: dv.getUint32(28),
  };
  const sum = walChecksum(bytes.subarray(0, 24), header.bigEndianChecksum, new Uint32Array(2));
  return sum[0] === header.checksum1 && sum[1] === header.checksum2 ? header : null;
}

export function parseFrameHeader(bytes: Uint8Array): WalFrameHeader {
  const dv = view(bytes);
  return {
    pageNumber: dv.getUint32(0),
    commitSize: dv.getUint32(4),
    salt1: dv.getUint32(8),
    salt2: dv.getUint32(12),
    checksum1: dv.getUint32(16),
    checksum2: dv.getUint32(20),
  };
}

/**
 * What a frame's checksum covers: by default the page bytes as stored. A WAL that SQLite wrote
 * through an encrypting VFS has checksums over the plaintext page instead; its reader passes a
 * function that decrypts the stored page (null when it cannot, which ends the log there).
 */
export type ChecksummedPage = (pageNumber: number, storedPage: Uint8Array, frame: FrameWhere) => Uint8Array | null;

/** Where a frame is: its 0-based index and its 24-byte header as stored (salts at bytes 8..15). */
export interface FrameWhere {
  index: number;
  header: Uint8Array;
}

const asStored: ChecksummedPage = (_pageNumber, storedPage) => storedPage;

/**
 * Checks one frame (`frame` = 24-byte header + page) against the chain: `sum` holds the previous
 * checksum and is advanced. Returns the frame header when valid, null otherwise.
 */
export function checkFrame(header: WalHeader, frame: Uint8Array, sum: Uint32Array, checksummed: ChecksummedPage = asStored, index = 0): WalFrameHeader | null {
  const fh = parseFrameHeader(frame);
  if (fh.pageNumber === 0 || fh.salt1 !== header.salt1 || fh.salt2 !== header.salt2) return null;
  const page = checksummed(fh.pageNumber, frame.subarray(WAL_FRAME_HEADER_SIZE), { index, header: frame.subarray(0, WAL_FRAME_HEADER_SIZE) });
  if (!page) return null;
  walChecksum(frame.subarray(0, 8), header.bigEndianChecksum, sum);
  walChecksum(page, header.bigEndianChecksum, sum);
  return sum[0] === fh.checksum1 && sum[1] === fh.checksum2 ? fh : null;
}

function emptyScan(header: WalHeader | null, framesInFile = 0): WalScan {
  return { header, frames: [], databaseSize: 0, latest: new Map(), framesInFile };
}

/**
 * Reads a WAL from an open file descriptor frame by frame (one reused buffer) and returns its
 * committed frames. Stops at the first frame whose salts or checksum do not match.
 */
export function scanWal(fd: number, checksummed: ChecksummedPage = asStored): WalScan {
  const size = fstatSync(fd).size;
  const head = new Uint8Array(WAL_HEADER_SIZE);
  if (readAt(fd, head, 0) < WAL_HEADER_SIZE) return emptyScan(null);
  const header = parseWalHeader(head);
  if (!header) return emptyScan(null);
  const frameSize = WAL_FRAME_HEADER_SIZE + header.pageSize;
  const frame = new Uint8Array(frameSize);
  const sum = Uint32Array.of(header.checksum1, header.checksum2);
  const pending: WalFrame[] = [];
  const scan = emptyScan(header, Math.floor(Math.max(0, size - WAL_HEADER_SIZE) / frameSize));
  for (let index = 0, at = WAL_HEADER_SIZE; at + frameSize <= size; index++, at += frameSize) {
    if (readAt(fd, frame, at) < frameSize) break;
    const fh = checkFrame(header, frame, sum, checksummed, index);
    if (!fh) break;
    pending.push({ index, pageNumber: fh.pageNumber, commitSize: fh.commitSize, pageOffset: at + WAL_FRAME_HEADER_SIZE });
    if (fh.commitSize !== 0) commit(scan, pending);
  }
  return scan;
}

/** Moves the frames of a transaction that just committed into the scan result. */
function commit(scan: WalScan, pending: WalFrame[]): void {
  for (const f of pending) {
    scan.frames.push(f);
    scan.latest.set(f.pageNumber, f.pageOffset);
  }
  scan.databaseSize = pending[pending.length - 1]!.commitSize;
  pending.length = 0;
}

/** Scans the WAL at `path`; null when the file does not exist. */
export function scanWalFile(path: string): WalScan | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return scanWal(fd);
  } finally {
    closeSync(fd);
  }
}
