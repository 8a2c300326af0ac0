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

/** The first 100 bytes of the file (page 1's header as stored), or null when it is missing or shorter. */
export function readStoredHeader(path: string): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(100);
    return readSync(fd, head, 0, 100, 0) === 100 ? new Uint8Array(head) : null;
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
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.equals(SQLITE_MAGIC)) return { kind: 'plain' };
  if (head.subarray(0, 5).equals(TURSO_MAGIC) && head[5] === 0) return { kind: 'encrypted', cipherId: head[6]! };
  if (head.subarray(0, 8).equals(PAGESEAL_MAGIC)) return { kind: 'pageseal', cipherId: head[9]! };
  return { kind: 'unknown' };
}
