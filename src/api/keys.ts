/**
 * Key registrations per database file, counted per connection: the VFS keeps one key per file, so
 * a second connection to an open file must use the same cipher and key, and the key is dropped only
 * when the last connection that registered it closes. The key itself is not kept in JavaScript: each
 * connection holds one registration in the VFS, which counts them and compares a second connection's
 * key with the registered one (a different key is refused there). Registrations a worker
 * thread still holds when it ends (returns, exits or is terminated) are dropped by the addon
 * (src/native/vfs/napi_vfs.c), since no JavaScript runs in a terminated worker.
 */
import { AuthenticationError } from '../errors.js';
import type { ResolvedEncryption } from '../options.js';
import type { VfsBinding } from './install.js';

interface Entry {
  cipherId: number;
  refs: number;
}

const entries = new Map<string, Entry>();

function conflict(path: string): AuthenticationError {
  return new AuthenticationError(`${path}: the key or cipher does not match the one of a connection already open on this file`, 1);
}

/**
 * Registers `enc` for `path` with the VFS (or adds a reference to an identical registration) and
 * returns its id: the path as SQLite will open it (the VFS's canonical path, which registerKey returns).
 * Every connection holds one registration in the VFS, which compares a second connection's cipher and
 * key with the registered ones (in constant time): AuthenticationError when another open connection
 * uses a different key or cipher for the same file. Does not wipe `enc`.
 */
export function acquireKey(vfs: VfsBinding, path: string, enc: ResolvedEncryption): string {
  let id: string;
  try {
    id = vfs.registerKey(path, enc.cipher.id, enc.key);
  } catch (err) {
    // Registered with another key or cipher, by this module or outside it (another copy of pageseal).
    if ((err as { code?: unknown }).code === 'PS_KEY_CONFLICT') throw conflict(path);
    throw err;
  }
  const e = entries.get(id);
  if (e) e.refs++;
  else entries.set(id, { cipherId: enc.cipher.id, refs: 1 });
  return id;
}

/** True when a connection of this process holds a key registration for `path`. */
export function isRegistered(vfs: VfsBinding, path: string): boolean {
  return entries.has(vfs.canonicalPath(path));
}

/** Drops one reference to the registration `id` (from acquireKey), and its registration in the VFS (the key goes with the last). */
export function releaseKey(vfs: VfsBinding, id: string): void {
  const e = entries.get(id);
  if (!e) return;
  if (--e.refs === 0) entries.delete(id);
  vfs.unregisterKey(id);
}
