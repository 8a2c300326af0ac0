/**
 * What happens before SQLite sees an encrypted file: check the options and the path, check the
 * file's header against the cipher (a plain file, another cipher or a foreign file is refused
 * without opening it), fold a Turso-written WAL into the file, and register the key with the VFS.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { FormatError, InvalidOptionsError } from '../errors.js';
import { cipherSpecById } from '../ciphers/registry.js';
import { resolveEncryption, type EncryptionOpts, type ResolvedEncryption } from '../options.js';
import { explainError } from './explain.js';
import { install } from './install.js';
import { acquireKey, releaseKey } from './keys.js';
import { sniffDatabase } from './sniff.js';
import { foldWal } from './fold.js';

export interface OpenPlan {
  /** What to pass to better-sqlite3. */
  filename: string | Buffer | number | undefined;
  options: BetterSqlite3.Options;
  /** The key registration (only with the encryption option). */
  keyId?: string;
  /** Undoes the registration and returns the typed error for a failed open. */
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

/** Refuses, before opening, a file whose header does not fit the cipher. */
export function checkHeader(path: string, enc: ResolvedEncryption): void {
  const kind = sniffDatabase(path);
  if (kind.kind === 'plain') throw new FormatError('NOT_ENCRYPTED', `${path} is a plain (not encrypted) SQLite database, but a key was given`);
  if (kind.kind === 'unknown') throw new FormatError('NOT_A_DATABASE', `${path} is neither a SQLite database nor a Turso-encrypted one`);
  if (kind.kind === 'encrypted' && kind.cipherId !== enc.cipher.id) {
    throw new FormatError('CIPHER_MISMATCH', `${path} is encrypted with ${cipherName(kind.cipherId)}, not ${enc.cipher.name}`);
  }
}

/** Prepares the open of `filename` with better-sqlite3 `options` plus `encryption`. */
export function planOpen(filename: unknown, options: unknown): OpenPlan {
  const { encryption, rest } = splitOptions(options ?? {});
  if (encryption === undefined) {
    install(); // the VFS must be there for PRAGMA hexkey/cipher and for encrypted files opened by others
    return { filename: filename as OpenPlan['filename'], options: rest, fail: (e) => explainError(e, typeof filename === 'string' ? filename.trim() : undefined) };
  }
  const path = encryptedPath(filename, rest);
  const enc = resolveEncryption(encryption);
  try {
    const vfs = install();
    checkHeader(path, enc);
    foldWal(vfs, path, encryption, enc);
    const keyId = acquireKey(vfs, path, enc);
    vfs.clearLastFailure(); // what the open reports must be about this open
    return {
      filename: path,
      options: rest,
      keyId,
      fail(e) {
        releaseKey(vfs, keyId);
        return explainError(e, path);
      },
    };
  } finally {
    enc.wipe();
  }
}
