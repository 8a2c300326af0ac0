/**
 * Reads the first bytes of a database file to tell, before SQLite sees it, what it is:
 * a plain SQLite file ("SQLite format 3\0"), a Turso-encrypted file ("Turso", version 0, cipher id:
 * ../shared/turso-format.md, "Page 1"), empty/missing, or something else.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type FileKind =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'plain' }
  | { kind: 'encrypted'; cipherId: number }
  | { kind: 'unknown' };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const TURSO_MAGIC = Buffer.from('Turso', 'latin1');

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
  return { kind: 'unknown' };
}
