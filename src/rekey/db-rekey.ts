/**
 * `db.rekey(to, options?)`: re-encrypts the database an open connection works on, and keeps that
 * very connection (its prepared statements, functions and settings) working under the new key.
 *
 * The copy is the one of rekeyFile (rekey-file.ts). What differs: the old key is the connection's
 * own (registered, or set by PRAGMA and shared with the copy for the duration); the connection is
 * moved out of WAL mode first (so, idle, it holds no lock: the copy connection can lock the file,
 * and no other process may have it open, or the switch fails); and right after the rename the VFS
 * rebinds the connection's file to the new one (src/native/vfs/rekey.c) while the copy connection
 * still holds both files locked. The connection's page cache is then dropped; its schema is read
 * again (the copy raised the schema cookie), and it returns to WAL mode by itself when the new file
 * says WAL. See docs/rekey.md.
 */
import { AuthenticationError, InvalidOptionsError, PagesealError } from '../errors.js';
import { cipherSpecById } from '../ciphers/registry.js';
import { resolveEncryptionFor, type EncryptionOpts, type ResolvedEncryption } from '../options.js';
import { sniffDatabase } from '../api/sniff.js';
import { install } from '../api/install.js';
import { keyedFilePath } from '../api/uri.js';
import { acquireKey, endHandoff } from '../api/keys.js';
import { loadAddon } from '../addon.js';
import type { Database } from '../api/database.js';
import { copyAndSwap, type RekeyResult } from './rekey-file.js';
import type { Progress } from './rebuild.js';
import { isBusy } from './rebuild.js';

export interface RekeyOptions {
  onProgress?: Progress;
}

interface RekeyAddon {
  rekeyTarget(path: string): number;
  rekeyShareKey(share: boolean): boolean;
  rekeyDisown(): void;
  rekeyRebind(cipherId?: number, key?: Uint8Array, seal?: Uint8Array | null): void;
  rekeyForget(): void;
  rekeyTargetLocked?(): boolean;
}

function addon(): RekeyAddon {
  const a = loadAddon() as unknown as Partial<RekeyAddon> | null;
  if (!a?.rekeyTarget || !a.rekeyShareKey || !a.rekeyDisown || !a.rekeyRebind || !a.rekeyForget) throw new PagesealError('IO', 'the pageseal addon has no rekey functions: rebuild it with npm install');
  return a as RekeyAddon;
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

function busy(path: string, cause?: unknown): PagesealError {
  return new PagesealError('BUSY', `${path} is open by another connection (another process, or another connection of this process): close it and retry; nothing was changed`, { cause });
}

function running(path: string, cause?: unknown): PagesealError {
  return new PagesealError('BUSY', `${path}: another rekey is running in this thread (db.rekey() called from an onProgress callback?): let it finish, then retry; nothing was changed`, { cause });
}

function iterating(path: string, cause?: unknown): PagesealError {
  return new PagesealError('BUSY', `${path}: a statement of this connection is still iterating (or was not reset): finish or return it, then retry; nothing was changed`, { cause });
}

/** better-sqlite3 refuses any other call while a statement iterates (unless in unsafe mode). */
function isIteratingError(e: unknown): boolean {
  return e instanceof TypeError && /busy executing a query/.test(e.message);
}

/** Refuses what cannot be rekeyed in place. */
function checkConnection(db: Database): void {
  try {
    checkIdle(db);
  } catch (e) {
    if (isIteratingError(e)) throw iterating(db.name, e);
    throw e;
  }
}

function checkIdle(db: Database): void {
  if (!db.open) throw new InvalidOptionsError('the database connection is not open');
  if (db.memory) throw new InvalidOptionsError('an in-memory database has no file to rekey');
  if (db.readonly) throw new InvalidOptionsError('a read-only connection cannot rekey its database');
  if (db.inTransaction) throw new InvalidOptionsError('db.rekey() cannot run inside a transaction');
  if (String(db.pragma('locking_mode', { simple: true })) !== 'normal') {
    throw new InvalidOptionsError('db.rekey() needs PRAGMA locking_mode = NORMAL (an exclusive connection holds its lock)');
  }
}

/** Leaves WAL mode (the connection then holds no lock when idle); refuses when others have the file open. */
function leaveWal(db: Database, path: string): boolean {
  if (String(db.pragma('journal_mode', { simple: true })) !== 'wal') return false;
  let mode: unknown;
  try {
    mode = db.pragma('journal_mode = DELETE', { simple: true });
  } catch (e) {
    if (isBusy(e)) throw busy(path, e);
    // outside a transaction (checked), only a statement of this connection still reading keeps it in WAL
    if (/cannot change out of wal mode/.test((e as Error).message)) throw iterating(path, e);
    throw e;
  }
  if (mode !== 'delete') throw busy(path);
  return true;
}

/**
 * Rekeys the file of `db` to `toOpts` (null: plain); returns the connection's new key registration
 * (its canonical path; undefined for a plain result). The registration moves with the connection's
 * main file in the VFS: the old one is dropped, the new one handed to the file at the rebind.
 */
export function rekeyDatabase(db: Database, toOpts: EncryptionOpts | null, options: RekeyOptions = {}): { result: RekeyResult; keyId: string | undefined } {
  if (toOpts === undefined) throw new InvalidOptionsError("db.rekey() needs the new { cipher, hexkey } (or { cipher, passphrase, format: 'pageseal' }), or null to decrypt");
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('db.rekey() options must be an object');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new InvalidOptionsError('onProgress must be a function');
  checkConnection(db);
  // In pageseal's format the copy is a new database: a fresh database id, and for a passphrase a
  // key derived with it (and toOpts.kdf, else the default parameters).
  const to: ResolvedEncryption | null = toOpts === null ? null : resolveEncryptionFor(toOpts, null);
  const vfs = install();
  const native = addon();
  // As SQLite opened it: the file a URI filename names (uri.ts), absolute, symlinks followed.
  const path = vfs.canonicalPath(keyedFilePath(db.name));
  let leftWal = false;
  let newKeyId: string | undefined;
  let swapped = false;
  let targeted = false; // this call holds the thread's rekey target (rekeyForget is then ours to call)
  try {
    let cipherId: number;
    try {
      cipherId = native.rekeyTarget(path);
      targeted = true;
    } catch (e) {
      if (codeOf(e) === 'PS_REKEY_SHARED') throw busy(path, e);
      if (codeOf(e) === 'PS_REKEY_RUNNING') throw running(path, e);
      throw e;
    }
    const spec = cipherId ? cipherSpecById(cipherId) : undefined;
    const fromFormat = !spec ? 'plain' : sniffDatabase(path).kind === 'pageseal' ? 'pageseal' : 'turso';
    leftWal = leaveWal(db, path);
    // Out of WAL mode and outside a transaction, an idle connection holds no lock on its file.
    if (native.rekeyTargetLocked?.() === true) throw iterating(path);
    native.rekeyShareKey(true);
    const result = copyAndSwap({
      path,
      from: spec ? { reserve: spec.reservedBytes, name: spec.name, format: fromFormat } : null,
      to,
      onProgress: options.onProgress,
      wal: leftWal,
      openAtRename: 2, // this connection's file and the copy connection's
      afterRename() {
        swapped = true;
        native.rekeyShareKey(false);
        native.rekeyDisown(); // the old key's registration, held by the connection's file
        let registered = to !== null;
        if (to) {
          try {
            newKeyId = acquireKey(vfs, path, to, { handoff: true });
          } catch (e) {
            // Another thread opened the old file after the last check (its registration of the old key
            // is stale now): the connection still follows its file, with the new key unregistered.
            if (!(e instanceof AuthenticationError)) throw e;
            registered = false;
          }
        }
        try {
          if (to && !registered) native.rekeyRebind(to.cipher.id, to.key, to.seal());
          else native.rekeyRebind(); // the file takes the new key and its registration
        } finally {
          if (registered && !endHandoff(vfs)) newKeyId = undefined;
        }
      },
    });
    // Drop every cached page of the old file; page count, reserve and schema are read again at the
    // next transaction (the copy raised the schema cookie).
    db.pragma('shrink_memory');
    try {
      db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    } catch (e) {
      // Another connection holding a lock just now proves nothing about this one: it follows the new
      // file already (rebound above), and its next read reports any real failure, typed.
      if (!isBusy(e)) throw e;
    }
    return { result, keyId: newKeyId };
  } catch (e) {
    if (swapped) {
      throw new PagesealError('IO', `${path} was re-keyed, but this connection could not follow it: close it and open the database with the new key`, { cause: e });
    }
    if (leftWal) {
      try {
        db.pragma('journal_mode = WAL');
      } catch {
        // the database is unchanged; it stays in rollback mode
      }
    }
    throw e;
  } finally {
    if (targeted) native.rekeyForget();
    to?.wipe();
  }
}
