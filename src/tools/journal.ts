/**
 * The rollback journal beside a database, as the offline tools see it.
 *
 * A writer killed mid-transaction (rollback-journal modes) leaves `<db>-journal` holding the
 * original images of the pages it had started to overwrite: until SQLite rolls it back, the main
 * file may hold pages of a transaction that never committed. SQLite calls such a journal "hot": it
 * exists, is not empty, and its first byte is not zero (PERSIST mode zeroes the header of a
 * finished journal, TRUNCATE mode empties it). A live writer's journal looks the same from outside
 * (the offline tools cannot see SQLite's locks), and is refused for the same reason.
 *
 * The offline tools do not roll a journal back themselves: they refuse the database (typed
 * FormatError HOT_JOURNAL, nothing written) and `info` reports it. The journal's on-disk format is
 * the VFS's concern (src/native/vfs/auxfile.c); all the tools read of it is here, its first byte.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { FormatError, PagesealError } from '../errors.js';
import { ioError, readAt } from './files.js';

export interface JournalState {
  path: string;
  /** Size of the journal file in bytes. */
  bytes: number;
  /** True when SQLite would roll this journal back before reading the database. */
  hot: boolean;
}

/** The journal beside `dbPath`, or null when there is none. Refuses a journal that is not a regular file. */
export function journalState(dbPath: string): JournalState | null {
  const path = dbPath + '-journal';
  const fd = openRegularOrNull(path);
  if (fd === null) return null;
  try {
    const bytes = fstatSync(fd).size;
    const first = new Uint8Array(1);
    const hot = bytes > 0 && readAt(fd, first, 0) === 1 && first[0] !== 0;
    return { path, bytes, hot };
  } finally {
    closeSync(fd);
  }
}

/** Throws FormatError HOT_JOURNAL when `dbPath` has a hot rollback journal. */
export function refuseHotJournal(dbPath: string): void {
  const j = journalState(dbPath);
  if (j?.hot) throw hotJournalError(dbPath, j.path);
}

export function hotJournalError(dbPath: string, journalPath = dbPath + '-journal'): FormatError {
  return new FormatError(
    'HOT_JOURNAL',
    `${dbPath} has a hot rollback journal (${journalPath}): a write transaction was interrupted (or is still running), so the ` +
      'file may hold pages that were never committed. Open the database once with pageseal (with its key, not read-only, ' +
      'no other process writing) so SQLite rolls the journal back, then run this again; do not delete the journal',
  );
}

/**
 * Opens `path` for reading without blocking (a FIFO would otherwise block open() until a writer
 * comes) and refuses anything but a regular file. Returns null when it does not exist.
 */
export function openRegularOrNull(path: string, writable = false): number | null {
  try {
    return openRegular(path, writable);
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return null;
    throw err;
  }
}

/** As openRegularOrNull, but a missing file is an IO error too. */
export function openRegular(path: string, writable = false): number {
  let fd: number;
  try {
    fd = openSync(path, (writable ? constants.O_RDWR : constants.O_RDONLY) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw ioError(err, 'open', path);
  }
  let regular = false;
  try {
    regular = fstatSync(fd).isFile();
  } finally {
    if (!regular) closeSync(fd);
  }
  if (!regular) throw new PagesealError('IO', `cannot open ${path}: not a regular file (a FIFO, device, socket or directory)`);
  return fd;
}
