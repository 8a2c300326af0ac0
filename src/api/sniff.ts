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

/** What a header's first 16 bytes say (a file shorter than 16 bytes reads as zeros past its end). */
function kindOf(head: Buffer): FileKind {
  if (startsWith(head, SQLITE_MAGIC)) return { kind: 'plain' };
  if (startsWith(head, TURSO_MAGIC) && head[5] === 0) return { kind: 'encrypted', cipherId: head[6]! };
  if (startsWith(head, PAGESEAL_MAGIC)) return { kind: 'pageseal', cipherId: head[9]! };
  return { kind: 'unknown' };
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
  return kindOf(head);
}

/** What open() needs to know of a file before SQLite sees it. */
export interface OpenSniff {
  /** A directory: nothing to open. */
  directory: boolean;
  kind: FileKind;
  /** The first 100 bytes as stored (the caller's own copy), or null when the file is missing or shorter. */
  header: Uint8Array | null;
}

interface Remembered {
  /** size, dev, ino, mtime s, mtime ns, ctime s, ctime ns, as statInto gives them. */
  id: Float64Array;
  kind: FileKind;
  header: Uint8Array | null;
}

/** Per path, what the last open read of the file, kept while the file's identity, size and times are unchanged. */
const remembered = new Map<string, Remembered>();
const REMEMBER_MAX = 256;
/** statInto's output (reads are synchronous, so one array serves every open). */
const statOut = new Float64Array(7);

/** One stat(2), no fs.Stats: 0 missing, 1 file, 2 directory, 3 other (src/native/napi_stat.c). */
export type StatInto = (path: string, out: Float64Array) => 0 | 1 | 2 | 3;

function sameId(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < 7; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * sniffDatabase and readStoredHeader for open(), with one `stat` when the file did not change since
 * the last open of this process looked at it (same device, inode, size, modification and change time:
 * SQLite rewriting page 1 changes them). The header is re-read otherwise. This is only the early,
 * friendly check: the VFS authenticates page 1 itself whatever was remembered, so a stale answer can
 * only make an open fail, never pass (profiles showed the header read at about a tenth of pageseal's
 * extra cost per open).
 */
export function sniffForOpen(path: string, statInto: StatInto): OpenSniff {
  const type = statInto(path, statOut); // unreadable counts as missing: SQLite says what it says
  if (type === 0) return { directory: false, kind: { kind: 'missing' }, header: null };
  if (type === 2) return { directory: true, kind: { kind: 'unknown' }, header: null };
  if (type !== 1) return { directory: false, kind: { kind: 'unknown' }, header: null }; // a FIFO would block a read
  if (statOut[0] === 0) return { directory: false, kind: { kind: 'empty' }, header: null };
  const r = remembered.get(path);
  if (r && sameId(r.id, statOut)) return { directory: false, kind: r.kind, header: r.header && new Uint8Array(r.header) };
  const header = readStoredHeader(path);
  let kind: FileKind;
  if (header) {
    kind = kindOf(Buffer.from(header.buffer, header.byteOffset, 16));
  } else {
    kind = sniffDatabase(path); // shorter than 100 bytes (or gone since the stat)
  }
  if (remembered.size >= REMEMBER_MAX) remembered.clear();
  remembered.set(path, { id: Float64Array.from(statOut), kind, header: header && new Uint8Array(header) });
  return { directory: false, kind, header };
}
