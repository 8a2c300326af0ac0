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

/** The typed error for a failure the VFS recorded. */
export function failureError(f: VfsFailure): PagesealError {
  switch (f.kind) {
    case 'auth':
      return new AuthenticationError(
        `page ${f.page} of ${f.path} failed authentication: ${f.page === 1 ? 'wrong key or cipher, or the page was modified' : 'the page was modified or damaged'}`,
        f.page,
      );
    case 'not-encrypted':
      return new FormatError('NOT_ENCRYPTED', `${f.path} is a plain (not encrypted) SQLite database, but a key was given`);
    case 'cipher-mismatch':
      return new FormatError('CIPHER_MISMATCH', `${f.path} is encrypted with a different cipher than the one given`);
    case 'reserve':
      return new FormatError('RESERVE_MISMATCH', `${f.path} does not reserve the bytes per page that the cipher needs for its nonce and tag`);
    case 'turso-wal':
      return new FormatError(
        'CORRUPT',
        `${f.path} was written by Turso and SQLite cannot read it: open the database with pageseal's open() or Database and the encryption option, which fold it first`,
      );
    case 'format':
      return new FormatError('CORRUPT', `page ${f.page} of ${f.path} is not in the encrypted page format`);
    case 'page-size':
      return new FormatError('UNSUPPORTED_PAGE_SIZE', `page ${f.page} of ${f.path} does not match the page size in its header`);
    case 'key-incomplete':
      return new InvalidKeyError(`${f.path}: PRAGMA cipher and PRAGMA hexkey must both be given before the first write (nothing was written)`);
    case 'no-key': {
      const kind = sniffDatabase(f.path);
      return encryptedWithoutKeyError(f.path, kind.kind === 'encrypted' ? kind.cipherId : 0);
    }
  }
}

/** The typed error for an encrypted file that SQLite was asked to read without a key. */
export function encryptedWithoutKeyError(path: string, cipherId: number): FormatError {
  const name = cipherSpecById(cipherId)?.name;
  return new FormatError(
    'NOT_A_DATABASE',
    `${path} is an encrypted database${name ? ` (${name})` : ''}: open it with the encryption option { cipher, hexkey }`,
  );
}

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

/** SQLite result codes the VFS uses to report a page or format failure. */
function isVfsCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT');
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
  if (!isVfsCode(code)) return err;
  // The failure record is per thread and kept until the next one: only an AUTH error is sure to be
  // about an authentication failure, other codes are explained only by non-authentication kinds.
  const f = lastFailure(path);
  // The VFS refuses to open a -wal or hot journal when page 1 does not open with the key (guard.c):
  // SQLITE_CANTOPEN, recorded as an auth failure of page 1. That is how a wrong key given by PRAGMA
  // shows after a crash left such a file.
  const refusedLog = code?.startsWith('SQLITE_CANTOPEN') === true && f?.kind === 'auth' && f.page === 1;
  if (f && (code === 'SQLITE_IOERR_AUTH' || f.kind !== 'auth' || refusedLog)) return withCause(failureError(f), err);
  if (code === 'SQLITE_IOERR_AUTH') return withCause(new AuthenticationError('a database page failed authentication'), err);
  if (code === 'SQLITE_NOTADB' && path !== undefined) {
    const kind = sniffDatabase(path);
    if (kind.kind === 'encrypted') return withCause(encryptedWithoutKeyError(path, kind.cipherId), err);
  }
  return err;
}
