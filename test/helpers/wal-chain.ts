/**
 * Checks a -wal the way a WAL-shipping tool does: every frame of the header's generation (same salts)
 * must carry SQLite's chained checksum computed over the bytes as stored (page ciphertext included).
 */
import { readFileSync } from 'node:fs';
import { parseWalHeader, walChecksum, parseFrameHeader, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE } from '../../src/format/wal.js';

export interface ChainReport {
  /** Frames in the file whose salts are the header's (up to the first frame of another generation). */
  frames: number;
  /** Leading frames whose stored checksum continues the chain over their stored bytes. */
  chained: number;
  /** Committed frames among the chained ones (up to the last commit frame). */
  committed: number;
}

export function walChainReport(wal: Uint8Array): ChainReport {
  const header = parseWalHeader(wal.subarray(0, WAL_HEADER_SIZE));
  if (!header) return { frames: 0, chained: 0, committed: 0 };
  const frameSize = WAL_FRAME_HEADER_SIZE + header.pageSize;
  const sum = Uint32Array.of(header.checksum1, header.checksum2);
  let frames = 0;
  let chained = 0;
  let committed = 0;
  let broken = false;
  for (let at = WAL_HEADER_SIZE; at + frameSize <= wal.length; at += frameSize) {
    const fh = parseFrameHeader(wal.subarray(at, at + WAL_FRAME_HEADER_SIZE));
    if (fh.salt1 !== header.salt1 || fh.salt2 !== header.salt2) break;
    frames++;
    if (broken) continue;
    walChecksum(wal.subarray(at, at + 8), header.bigEndianChecksum, sum);
    walChecksum(wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + frameSize), header.bigEndianChecksum, sum);
    if (sum[0] !== fh.checksum1 || sum[1] !== fh.checksum2) {
      broken = true;
      continue;
    }
    chained++;
    if (fh.commitSize !== 0) committed = chained;
  }
  return { frames, chained, committed };
}

export function walFileChainReport(path: string): ChainReport {
  return walChainReport(readFileSync(path));
}
