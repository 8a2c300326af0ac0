/**
 * Reads the first bytes of a database file to tell, before SQLite sees it, what it is:
 * a plain SQLite file ("SQLite format 3\0"), a Turso-encrypted file ("Turso", version 0, cipher id:
 * docs/format.md, "Page 1"), a pageseal-format file ("pageseal", version, cipher id), empty/missing,
 * or something else.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type FileKind =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'plain' }
  | { kind: 'encrypted'; cipherId: number }
  | { kind: 'pageseal'; cipherId: number }
  | { kind: 'unknown' };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const TURSO_MAGIC = Buffer.from('Turso', 'latin1');
const PAGESEAL_MAGIC = Buffer.from('pageseal', 'latin1');
/** Where the header is read (reads are synchronous, so one buffer serves every open: fewer allocations per open). */
const scratch = Buffer.alloc(100);

/** True when `head` starts with `magic` (compared in place, no view allocated). */
function startsWith(head: Buffer, magic: Buffer): boolean {
  return magic.compare(head, 0, magic.length) === 0;
}

/** The first 100 bytes of the file (page 1's header as stored), or null when it is missing or shorter. */
export function readStoredHeader(path: string): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return readSync(fd, scratch, 0, 100, 0) === 100 ? new Uint8Array(scratch) : null; // a copy, the caller's own
  } finally {
    closeSync(fd);
  }
}

/** What the file at `path` holds, judged from its first 16 bytes. */
export function sniffDatabase(path: string): FileKind {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { kind: 'unknown' }; // a FIFO would block the open below
    size = st.size;
  } catch {
    return { kind: 'missing' };
  }
  if (size === 0) return { kind: 'empty' };
  const head = scratch; // its first 16 bytes
  head.fill(0, 0, 16); // a file shorter than 16 bytes reads as zeros past its end
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (startsWith(head, SQLITE_MAGIC)) return { kind: 'plain' };
  if (startsWith(head, TURSO_MAGIC) && head[5] === 0) return { kind: 'encrypted', cipherId: head[6]! };
  if (startsWith(head, PAGESEAL_MAGIC)) return { kind: 'pageseal', cipherId: head[9]! };
  return { kind: 'unknown' };
}
