/**
 * Key registrations per database file, counted per connection: the VFS keeps one key per file, so
 * a second connection to an open file must use the same cipher and key, and the key is dropped only
 * when the last connection that registered it closes. The key itself is not kept in JavaScript:
 * only an HMAC of it under a random per-process secret, to compare keys. Registrations a worker
 * thread still holds when it ends (returns, exits or is terminated) are dropped by the addon
 * (src/native/vfs/napi_vfs.c), since no JavaScript runs in a terminated worker.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AuthenticationError } from '../errors.js';
import type { ResolvedEncryption } from '../options.js';
import type { VfsBinding } from './install.js';

interface Entry {
  cipherId: number;
  fingerprint: string;
  refs: number;
}

const secret = randomBytes(32);
const entries = new Map<string, Entry>();

function fingerprint(enc: ResolvedEncryption): string {
  return createHmac('sha256', secret).update(enc.key).digest('hex');
}

function conflict(path: string): AuthenticationError {
  return new AuthenticationError(`${path}: the key or cipher does not match the one of a connection already open on this file`, 1);
}

/**
 * Registers `enc` for `path` with the VFS (or adds a reference to an identical registration) and
 * returns its id: the path as SQLite will open it (the VFS's canonical path). Throws
 * AuthenticationError when another open connection uses a different key or cipher for the same
 * file. Does not wipe `enc`.
 */
export function acquireKey(vfs: VfsBinding, path: string, enc: ResolvedEncryption): string {
  const id = vfs.canonicalPath(path);
  const fp = fingerprint(enc);
  const e = entries.get(id);
  if (!e) {
    try {
      vfs.registerKey(id, enc.cipher.id, enc.key);
    } catch (err) {
      // Registered outside this module (e.g. another copy of pageseal in the process) with another key.
      if ((err as { code?: unknown }).code === 'PS_KEY_CONFLICT') throw conflict(path);
      throw err;
    }
    entries.set(id, { cipherId: enc.cipher.id, fingerprint: fp, refs: 1 });
    return id;
  }
  if (e.cipherId !== enc.cipher.id || e.fingerprint !== fp) {
    throw conflict(path);
  }
  e.refs++;
  return id;
}

/** True when a connection of this process holds a key registration for `path`. */
export function isRegistered(vfs: VfsBinding, path: string): boolean {
  return entries.has(vfs.canonicalPath(path));
}

/** Drops one reference to the registration `id` (from acquireKey); unregisters the key after the last. */
export function releaseKey(vfs: VfsBinding, id: string): void {
  const e = entries.get(id);
  if (!e) return;
  if (--e.refs > 0) return;
  entries.delete(id);
  vfs.unregisterKey(id);
}
