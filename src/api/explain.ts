/**
 * Turns SQLite errors caused by encryption into pageseal's typed errors.
 *
 * The VFS reports a page that fails authentication to SQLite as SQLITE_IOERR_AUTH and records the
 * details (which file, which page, which kind of failure) where `lastFailure()` reads them.
 */
import { AuthenticationError, FormatError, InvalidKeyError, PagesealError } from '../errors.js';
import { cipherSpecById } from '../ciphers/registry.js';
import { install, type VfsFailure } from './install.js';
import { sniffDatabase } from './sniff.js';

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function withCause<E extends Error>(e: E, cause: unknown): E {
  Object.defineProperty(e, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  return e;
}

/** The VFS's last recorded failure, if it is about `path` or its -wal/-journal (any file when `path` is undefined). */
function lastFailure(path: string | undefined): VfsFailure | null {
  try {
    const vfs = install();
    const f = vfs.lastFailure();
    if (!f || path === undefined) return f;
    const db = vfs.canonicalPath(path);
    return f.path === db || f.path === `${db}-wal` || f.path === `${db}-journal` ? f : null;
  } catch {
    return null;
  }
}

/** What to do about a damaged database, ending every such message. */
const RESTORE = 'restore it from a backup (`pageseal verify <file> --cipher <cipher>` checks every page and committed -wal frame)';

/** The typed error for a failure the VFS recorded. */
export function failureError(f: VfsFailure): PagesealError {
  switch (f.kind) {
    case 'auth':
      return new AuthenticationError(
        `page ${f.page} of ${f.path} failed authentication: ` +
          (f.page === 1
            ? `wrong key or cipher, or the page was modified: check the key and cipher; if they are right, the file is damaged: ${RESTORE}`
            : `the page was modified or damaged: ${RESTORE}`),
        f.page,
      );
    case 'not-encrypted':
      return new FormatError('NOT_ENCRYPTED', `${f.path} is a plain (not encrypted) SQLite database, but a key was given: to encrypt it, open it without a key and call db.rekey({ cipher, hexkey }), or run pageseal rekey <file> --cipher none --new-cipher <cipher>`);
    case 'cipher-mismatch':
      return new FormatError('CIPHER_MISMATCH', `${f.path} is encrypted with a different cipher than the one given`);
    case 'reserve':
      return new FormatError('RESERVE_MISMATCH', `${f.path} does not reserve the bytes per page that the cipher needs for its nonce and tag: db.rekey() or pageseal rekey rebuilds it for another cipher`);
    case 'turso-wal':
      return new FormatError(
        'CORRUPT',
        `the -wal of ${f.path} has checksums this version cannot follow (a Turso-written -wal is read as it is): fold it with foldTursoWal first`,
      );
    case 'format':
      return new FormatError('CORRUPT', `page ${f.page} of ${f.path} is not in the encrypted page format (damaged): ${RESTORE}`);
    case 'journal':
      return new FormatError(
        'CORRUPT',
        `the hot journal of ${f.path} (${f.path}-journal) is truncated, damaged or altered: it was not played back and nothing was changed; restore the journal or the database from a backup`,
      );
    case 'page-size':
      return new FormatError('UNSUPPORTED_PAGE_SIZE', `page ${f.page} of ${f.path} does not match the page size in its header`);
    case 'format-mismatch':
      return new FormatError('FORMAT_MISMATCH', `${f.path} is in the other page format (Turso's or pageseal's) than the one given`);
    case 'key-incomplete':
      return new InvalidKeyError(`${f.path}: PRAGMA cipher and PRAGMA hexkey must both be given before the first write (nothing was written)`);
    case 'truncated':
      return new FormatError(
        'CORRUPT',
        `page ${f.page} of ${f.path} is missing: the file is shorter than the database it holds (truncated or damaged, not a wrong key): ${RESTORE}`,
      );
    case 'empty-main':
      return new FormatError(
        'CORRUPT',
        `${f.path} is empty but its -wal or hot journal holds data: the main file was truncated (both were left as they are; restore the main file from a backup)`,
      );
    case 'not-regular':
      return new PagesealError(
        'IO',
        `${f.path} is not a regular file (a FIFO, device or socket): SQLite would block on it, so it was refused and nothing was changed; remove it`,
      );
    case 'moved':
      return movedError(f.path);
    case 'random':
      return new PagesealError('IO', `${f.path || 'a temporary file'}: the system's random number generator failed, so nothing could be encrypted (nothing was written)`);
    case 'no-key': {
      const kind = sniffDatabase(f.path);
      return encryptedWithoutKeyError(f.path, kind.kind === 'encrypted' || kind.kind === 'pageseal' ? kind.cipherId : 0);
    }
  }
}

/**
 * The file at the connection's path was replaced after it opened (another process re-keyed it, docs/rekey.md):
 * the VFS refuses the old file a -wal or -journal, SQLite refuses its rollback-mode writes (READONLY_DBMOVED).
 */
function movedError(path: string | undefined): PagesealError {
  return new PagesealError(
    'BUSY',
    `${path ?? 'the database'} was replaced after this connection opened it (re-keyed by another process?): nothing was written; close this connection and open the file again`,
  );
}

/** The typed error for an encrypted file that SQLite was asked to read without a key. */
export function encryptedWithoutKeyError(path: string, cipherId: number): FormatError {
  const name = cipherSpecById(cipherId)?.name;
  return new FormatError(
    'NOT_A_DATABASE',
    `${path} is an encrypted database${name ? ` (${name})` : ''}: open it with the encryption option { cipher, hexkey }`,
  );
}

/**
 * The SQLite codes each failure kind can come back as: reads return SQLITE_IOERR_AUTH, writes
 * SQLITE_IOERR_WRITE, refused opens of a -wal, journal or temp file SQLITE_CANTOPEN (src/native/vfs).
 * A record whose kind cannot produce the error's code is about some earlier statement.
 */
const KIND_CODES: Record<VfsFailure['kind'], readonly string[]> = {
  auth: ['SQLITE_IOERR_AUTH', 'SQLITE_CANTOPEN'],
  'not-encrypted': ['SQLITE_IOERR_AUTH', 'SQLITE_CANTOPEN'],
  'format-mismatch': ['SQLITE_IOERR_AUTH', 'SQLITE_CANTOPEN'],
  'cipher-mismatch': ['SQLITE_IOERR_AUTH', 'SQLITE_CANTOPEN'],
  format: ['SQLITE_IOERR_AUTH', 'SQLITE_IOERR_WRITE', 'SQLITE_CANTOPEN'],
  reserve: ['SQLITE_IOERR_AUTH', 'SQLITE_IOERR_WRITE'],
  'turso-wal': ['SQLITE_CANTOPEN'],
  'page-size': ['SQLITE_IOERR_WRITE'],
  'no-key': ['SQLITE_CANTOPEN'],
  'key-incomplete': ['SQLITE_IOERR_WRITE'],
  random: ['SQLITE_IOERR_WRITE', 'SQLITE_CANTOPEN'],
  // A page read past the end (IOERR_READ), page 1 cut short (IOERR_AUTH at a read, CANTOPEN when a log is
  // opened), page 1 counting more pages than the file holds, which SQLite reports as SQLITE_CORRUPT, or a
  // write refused to a file found short (IOERR_WRITE).
  truncated: ['SQLITE_IOERR_READ', 'SQLITE_IOERR_AUTH', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT', 'SQLITE_IOERR_WRITE'],
  'empty-main': ['SQLITE_IOERR_FSTAT'],
  journal: ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_IOERR_READ'],
  'not-regular': ['SQLITE_CANTOPEN'],
  moved: ['SQLITE_CANTOPEN'],
};

/** A read-only connection found a hot rollback journal, which only a writer can roll back. */
function readonlyHotJournalError(path: string | undefined): FormatError {
  const db = path ?? 'the database';
  return new FormatError(
    'HOT_JOURNAL',
    `${db} has a hot rollback journal (a write transaction was interrupted) that a read-only connection cannot roll back: ` +
      'open it once without readonly (with its key) so SQLite restores the last committed state, then read-only opens work. ' +
      'Do not delete the journal: it holds the committed pages',
  );
}

/** SQLite's "database disk image is malformed" codes about a database file (not _VTAB, a virtual table's). */
function isCorruptCode(code: string | undefined): boolean {
  return code !== undefined && code.startsWith('SQLITE_CORRUPT') && code !== 'SQLITE_CORRUPT_VTAB';
}

/** SQLite result codes the VFS uses to report a page or format failure, and SQLite's own for a damaged file. */
function isVfsCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_NOTADB' || isCorruptCode(code));
}

/**
 * SQLITE_CORRUPT* about an encrypted file with no failure recorded: every page SQLite read authenticated
 * with the key (a page that does not never reaches SQLite: its read fails with SQLITE_IOERR_AUTH), yet
 * SQLite found them inconsistent. Only a file with the right key gets this far (a wrong key fails page 1,
 * a connection without a key cannot read an encrypted page 1 at all), so the file is damaged: cut short
 * where the VFS could not see it, or holding pages of different states of the database (SECURITY.md: a
 * page swapped, copied or rolled back passes its tag in Turso's format). A plain file's error is SQLite's.
 */
function inconsistentError(path: string, code: string): FormatError {
  return new FormatError(
    'CORRUPT',
    `${path} is damaged: SQLite found its pages inconsistent (${code}) though every page it read authenticated with the key, ` +
      `so this is not a wrong key: the file was truncated, or holds pages from different states of the database (a page or ` +
      `file restored from an older copy): ${RESTORE}`,
  );
}

function isEncryptedFile(path: string): boolean {
  try {
    const kind = sniffDatabase(path).kind;
    return kind === 'encrypted' || kind === 'pageseal';
  } catch {
    return false;
  }
}

/**
 * Explains an error thrown by better-sqlite3: a failed page authentication (SQLITE_IOERR_AUTH)
 * becomes an AuthenticationError naming the page; a plain file read with a key, or a cipher
 * mismatch, becomes a FormatError; "file is not a database" on an encrypted file (opened without a
 * key) becomes FormatError NOT_A_DATABASE when `path` is given. Any other error is returned as is.
 */
export function explainError(err: unknown, path?: string): unknown {
  if (err instanceof PagesealError) return err;
  const code = codeOf(err);
  if (code === 'SQLITE_READONLY_ROLLBACK') return withCause(readonlyHotJournalError(path), err);
  if (code === 'SQLITE_READONLY_DBMOVED') return withCause(movedError(path), err);
  if (!isVfsCode(code)) return err;
  // The failure record is per thread, cleared before each call Database wraps (not before Statement
  // calls): it explains an error only when its kind can produce the error's code.
  const f = lastFailure(path);
  // The VFS refuses to open a -wal or hot journal when page 1 does not open with the key (guard.c):
  // SQLITE_CANTOPEN, recorded as an auth failure of page 1. That is how a wrong key given by PRAGMA
  // shows after a crash left such a file.
  const fits = f !== null && KIND_CODES[f.kind]?.includes(code!) === true && !(f.kind === 'auth' && code === 'SQLITE_CANTOPEN' && f.page !== 1);
  if (f && fits) return withCause(failureError(f), err);
  if (code === 'SQLITE_IOERR_AUTH') return withCause(new AuthenticationError('a database page failed authentication'), err);
  if (isCorruptCode(code) && path !== undefined && isEncryptedFile(path)) return withCause(inconsistentError(path, code!), err);
  if (code === 'SQLITE_NOTADB' && path !== undefined) {
    const kind = sniffDatabase(path);
    if (kind.kind === 'encrypted' || kind.kind === 'pageseal') return withCause(encryptedWithoutKeyError(path, kind.cipherId), err);
  }
  return err;
}
