/**
 * What happens before SQLite sees an encrypted file: check the options and the path, check the
 * file's header against the cipher (a plain file, another cipher or a foreign file is refused
 * without opening it), and register the key with the VFS. A Turso-written -wal needs no fold: the VFS
 * reads its checksums over the stored pages (walsum.c).
 */
import { statSync } from 'node:fs';
import type * as BetterSqlite3 from 'better-sqlite3';
import { FormatError, InvalidOptionsError } from '../errors.js';
import { cipherSpecById, findCipherSpec } from '../ciphers/registry.js';
import { formatOf, resolveEncryptionFor, usesPassphrase, type EncryptionOpts, type ResolvedEncryption } from '../options.js';
import { explainError } from './explain.js';
import { install } from './install.js';
import { acquireKey, endHandoff, registeredHeader, type Handoff } from './keys.js';
import { readStoredHeader, sniffDatabase, sniffForOpen, type FileKind } from './sniff.js';
import { keyedFilePath } from './uri.js';
import type { VfsBinding } from './install.js';

export interface OpenPlan {
  /** What to pass to better-sqlite3. */
  filename: string | Buffer | number | undefined;
  options: BetterSqlite3.Options;
  /** The key registration (only with the encryption option): the canonical path of the file. */
  keyId?: string;
  /** With a key: the file SQLite opens (differs from `filename` for a URI filename). */
  path?: string;
  /**
   * With a key, right after the open: whether the main file SQLite opened took the key registration
   * (keys.ts; 0: it did not, and the registration is dropped), so the file is the one the key was
   * registered for and the registration is dropped when the connection closes; 2 when its page 1
   * also authenticated under the key as it opened.
   */
  keyTaken(): Handoff;
  /** Undoes a registration no open took and returns the typed error for a failed open. */
  fail(err: unknown): unknown;
}

function splitOptions(options: unknown): { encryption?: EncryptionOpts; rest: BetterSqlite3.Options } {
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('options must be an object');
  const { encryption, ...rest } = options as { encryption?: EncryptionOpts } & BetterSqlite3.Options;
  return { encryption, rest };
}

/** The trimmed file path; refuses what would bypass the VFS or has no file to encrypt. */
function encryptedPath(filename: unknown, options: BetterSqlite3.Options): string {
  if (typeof filename !== 'string') {
    throw new InvalidOptionsError(
      'encryption needs a file path: opening from a file descriptor or a serialized buffer would bypass the pageseal VFS',
    );
  }
  const path = filename.trim();
  if (path === '' || path === ':memory:') throw new InvalidOptionsError('encryption needs a file path, not an in-memory or temporary database');
  if (options.nativeBinding != null) {
    throw new InvalidOptionsError('encryption cannot be combined with nativeBinding: the pageseal VFS lives in the default better-sqlite3 binding');
  }
  return path;
}

function cipherName(id: number): string {
  return cipherSpecById(id)?.name ?? `unknown cipher id ${id}`;
}

/**
 * Refuses, before opening, a file whose header does not fit the format and cipher (no key is derived
 * before this). `kind`: what the file holds, when the caller sniffed it already.
 */
export function checkHeader(path: string, encryption: EncryptionOpts, kind: FileKind = sniffDatabase(path)): void {
  const format = formatOf(encryption);
  if (kind.kind === 'plain') throw new FormatError('NOT_ENCRYPTED', `${path} is a plain (not encrypted) SQLite database, but a key was given: to encrypt it, open it without a key and call db.rekey({ cipher, hexkey }), or run pageseal rekey <file> --cipher none --new-cipher <cipher>`);
  if (kind.kind === 'unknown') throw new FormatError('NOT_A_DATABASE', `${path} is neither a SQLite database nor an encrypted one`);
  if (kind.kind === 'encrypted' && format !== 'turso') {
    throw new FormatError('FORMAT_MISMATCH', `${path} is in Turso's format, not pageseal's: leave format at 'turso' (convert it with decrypt + encrypt)`);
  }
  if (kind.kind === 'pageseal' && format !== 'pageseal') throw new FormatError('FORMAT_MISMATCH', `${path} is in pageseal's format: open it with format: 'pageseal'`);
  if ((kind.kind === 'encrypted' || kind.kind === 'pageseal') && kind.cipherId !== findCipherSpec(encryption.cipher).id) {
    throw new FormatError('CIPHER_MISMATCH', `${path} is encrypted with ${cipherName(kind.cipherId)}, not ${findCipherSpec(encryption.cipher).name}`);
  }
}

/**
 * The key for `path`: bound to its stored header in pageseal's format. A file not written yet
 * whose key another connection of this process registered takes that registration's header (its
 * database id), so both connections create the same database.
 */
function resolveFor(vfs: VfsBinding, path: string, encryption: EncryptionOpts, stored: Uint8Array | null = readStoredHeader(path)): ResolvedEncryption {
  stored ??= registeredHeader(vfs, path);
  return resolveEncryptionFor(encryption, stored);
}

/** A directory given as the database: SQLite would only say "unable to open database file". */
function refuseDirectory(path: unknown): void {
  if (typeof path !== 'string' || path.startsWith('file:')) return;
  let dir = false;
  try {
    dir = statSync(path.trim()).isDirectory();
  } catch {
    return; // missing or unreadable: SQLite says what it says
  }
  if (dir) throw new FormatError('NOT_A_DATABASE', `${path.trim()} is a directory, not a database file`);
}

/** Prepares the open of `filename` with better-sqlite3 `options` plus `encryption`. */
export function planOpen(filename: unknown, options: unknown): OpenPlan {
  const { encryption, rest } = splitOptions(options ?? {});
  if (encryption === undefined) {
    refuseDirectory(filename);
    install(); // the VFS must be there for PRAGMA hexkey/cipher and for encrypted files opened by others
    return {
      filename: filename as OpenPlan['filename'],
      options: rest,
      keyTaken: () => 0,
      fail: (e) => explainError(e, typeof filename === 'string' ? filename.trim() : undefined),
    };
  }
  const name = encryptedPath(filename, rest);
  const path = keyedFilePath(name);
  const sniff = sniffForOpen(path, install().statInto);
  if (sniff.directory) throw new FormatError('NOT_A_DATABASE', `${path} is a directory, not a database file`);
  // A bad hexkey is reported before the file is looked at. In Turso's format the key is bound to
  // nothing in the file, so that key is the one registered (one decode per open, not two).
  const early = usesPassphrase(encryption) ? undefined : resolveEncryptionFor(encryption, null);
  let enc: ResolvedEncryption | undefined;
  try {
    const vfs = install();
    checkHeader(path, encryption, sniff.kind);
    enc = early?.format === 'turso' ? early : resolveFor(vfs, path, encryption, sniff.header);
    // The last step before the open: nothing may open another file in this thread in between.
    const keyId = acquireKey(vfs, path, enc, { handoff: true });
    vfs.clearLastFailure(); // what the open reports must be about this open
    return {
      filename: name,
      options: rest,
      keyId,
      path,
      keyTaken: () => endHandoff(vfs),
      fail(e) {
        endHandoff(vfs);
        return explainError(e, path);
      },
    };
  } finally {
    early?.wipe();
    enc?.wipe();
  }
}
