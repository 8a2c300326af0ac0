/**
 * Reads the first bytes of a database file to tell, before SQLite sees it, what it is:
 * a plain SQLite file ("SQLite format 3\0"), a Turso-encrypted file ("Turso", version 0, cipher id:
 * docs/format.md, "Page 1"), empty/missing, or something else.
 */
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';

export type FileKind =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'plain' }
  | { kind: 'encrypted'; cipherId: number }
  | { kind: 'unknown' };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const TURSO_MAGIC = Buffer.from('Turso', 'latin1');

/**
 * What the last look at a path found, with the file's identity then (device, inode, size, change and
 * modification times): while those are unchanged the first bytes are too (any write moves ctime), so a
 * reopen skips opening and reading the file. The VFS checks page 1 again in any case.
 */
interface Seen {
  stamp: string;
  kind: FileKind;
}
const seen = new Map<string, Seen>();
const SEEN_MAX = 256;

/** What the file at `path` holds, judged from its first 16 bytes. */
export function sniffDatabase(path: string): FileKind {
  let st: Stats | undefined;
  try {
    st = statSync(path, { throwIfNoEntry: false }); // no exception to build for a new database
  } catch {
    return { kind: 'missing' };
  }
  if (st === undefined) return { kind: 'missing' };
  if (st.size === 0) return { kind: 'empty' };
  const stamp = `${st.dev}:${st.ino}:${st.size}:${st.ctimeMs}:${st.mtimeMs}`;
  const before = seen.get(path);
  if (before && before.stamp === stamp) return before.kind;
  const kind = readKind(path);
  if (seen.size >= SEEN_MAX) seen.clear();
  if (kind.kind !== 'unknown') seen.set(path, { stamp, kind });
  return kind;
}

function readKind(path: string): FileKind {
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
