/**
 * A WAL-shipping replicator reduced to its core, as tools like Litestream work: it knows no key and
 * handles only the bytes in the files. It reads the primary's -wal, checks every frame's checksum chain
 * over the bytes as stored (refusing to ship past a frame that does not verify), and copies the frames
 * of committed transactions into a replica database file on another path (each page at its offset, the
 * file cut to the size the commit frame gives).
 */
import { closeSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { parseWalHeader, parseFrameHeader, walChecksum, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE } from '../../src/format/wal.js';

export interface Shipped {
  /** Frames that verified (committed or not). */
  verified: number;
  /** Frames of committed transactions copied to the replica. */
  applied: number;
  /** Frames of the current generation that did not verify (the log ends before them). */
  rejected: number;
}

export function shipWal(walPath: string, replicaPath: string): Shipped {
  const wal = readFileSync(walPath);
  const header = parseWalHeader(wal.subarray(0, WAL_HEADER_SIZE));
  if (!header) return { verified: 0, applied: 0, rejected: 0 };
  const size = WAL_FRAME_HEADER_SIZE + header.pageSize;
  const sum = Uint32Array.of(header.checksum1, header.checksum2);
  const pending: { pgno: number; at: number }[] = [];
  const fd = openSync(replicaPath, 'r+');
  let verified = 0;
  let applied = 0;
  let rejected = 0;
  try {
    for (let at = WAL_HEADER_SIZE; at + size <= wal.length; at += size) {
      const fh = parseFrameHeader(wal.subarray(at, at + WAL_FRAME_HEADER_SIZE));
      if (fh.salt1 !== header.salt1 || fh.salt2 !== header.salt2) break;
      walChecksum(wal.subarray(at, at + 8), header.bigEndianChecksum, sum);
      walChecksum(wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + size), header.bigEndianChecksum, sum);
      if (sum[0] !== fh.checksum1 || sum[1] !== fh.checksum2) {
        rejected = 1;
        break;
      }
      verified++;
      pending.push({ pgno: fh.pageNumber, at: at + WAL_FRAME_HEADER_SIZE });
      if (fh.commitSize === 0) continue;
      for (const p of pending) writeSync(fd, wal, p.at, header.pageSize, (p.pgno - 1) * header.pageSize);
      ftruncateSync(fd, fh.commitSize * header.pageSize);
      applied += pending.length;
      pending.length = 0;
    }
  } finally {
    closeSync(fd);
  }
  return { verified, applied, rejected };
}
