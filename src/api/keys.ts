/**
 * Key registrations per database file, kept by the VFS (src/native/vfs/keys.c): one key per file, so
 * a second connection to an open file must use the same cipher and key (the VFS compares them, in
 * constant time), and the key is dropped when the last registration of the file is.
 *
 * Two kinds of registration:
 * - a connection's (`acquireKey(..., { handoff: true })`, then the open, then `endHandoff`): the VFS
 *   hands it to the main file that open creates, and drops it when SQLite closes that file, whoever
 *   closes it: close(), a failed open, better-sqlite3 collecting a connection that was never closed,
 *   a worker thread ending. JavaScript keeps no reference to the connection for it.
 * - a tool's (the rekey copies): held until `releaseKey`, or until this thread's environment ends.
 * The key itself is never kept in JavaScript.
 */
import { AuthenticationError } from '../errors.js';
import type { ResolvedEncryption } from '../options.js';
import type { VfsBinding } from './install.js';

function conflict(path: string): AuthenticationError {
  return new AuthenticationError(`${path}: the key or cipher does not match the one of a connection already open on this file`, 1);
}

/**
 * Registers `enc` for `path` with the VFS and returns the registration's id: the path as SQLite will
 * open it (the VFS's canonical path). Throws AuthenticationError when another registration of the same
 * file has a different key, cipher, format or database id. With `handoff`, the next open of this thread
 * takes the registration (see above): call `endHandoff` right after it. Does not wipe `enc`.
 */
export function acquireKey(vfs: VfsBinding, path: string, enc: ResolvedEncryption, options: { handoff?: boolean } = {}): string {
  try {
    return vfs.registerKey(path, enc.cipher.id, enc.key, enc.seal(), options.handoff === true);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'PS_KEY_CONFLICT') throw conflict(path);
    throw err;
  }
}

/**
 * How an open ended a hand-off: 0, no open took the registration (it was dropped); 1, the main file
 * the open created took it; 2, took it, and that file's page 1 authenticated under the key as it
 * opened (the key, cipher and format are proven).
 */
export type Handoff = 0 | 1 | 2;
export const HANDOFF_VERIFIED = 2;

/** Ends a hand-off (see Handoff). */
export function endHandoff(vfs: VfsBinding): Handoff {
  return vfs.endHandoff();
}

/**
 * The pageseal header registered for `path` by a connection of this process, as a stored page 1
 * header would hold it (prefix in bytes 0..15, database id in 72..87); null without one.
 */
export function registeredHeader(vfs: VfsBinding, path: string): Uint8Array | null {
  const seal = vfs.keyRegistration(path)?.seal;
  if (!seal) return null;
  const stored = new Uint8Array(100);
  stored.set(seal.subarray(0, 16), 0);
  stored.set(seal.subarray(16, 32), 72);
  return stored;
}

/** True when a key is registered for `path` (by a connection or a tool of this process). */
export function isRegistered(vfs: VfsBinding, path: string): boolean {
  return vfs.keyRegistration(path) !== null;
}

/** Drops a tool's registration `id` (from acquireKey without handoff). */
export function releaseKey(vfs: VfsBinding, id: string): void {
  vfs.unregisterKey(id);
}
