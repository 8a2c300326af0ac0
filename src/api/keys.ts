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
  /** pageseal's format: prefix + database id as registered (null for Turso's). */
  seal: Uint8Array | null;
}

const secret = randomBytes(32);
const entries = new Map<string, Entry>();

function fingerprint(enc: ResolvedEncryption): string {
  const h = createHmac('sha256', secret).update(enc.key);
  const seal = enc.seal();
  h.update(seal ? Buffer.concat([Buffer.of(1), seal]) : Buffer.of(0));
  return h.digest('hex');
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
      vfs.registerKey(id, enc.cipher.id, enc.key, enc.seal());
    } catch (err) {
      // Registered outside this module (e.g. another copy of pageseal in the process) with another key.
      if ((err as { code?: unknown }).code === 'PS_KEY_CONFLICT') throw conflict(path);
      throw err;
    }
    entries.set(id, { cipherId: enc.cipher.id, fingerprint: fp, refs: 1, seal: enc.seal() });
    return id;
  }
  if (e.cipherId !== enc.cipher.id || e.fingerprint !== fp) {
    throw conflict(path);
  }
  e.refs++;
  return id;
}

/**
 * The pageseal header registered for `path` by a connection of this process, as a stored page 1
 * header would hold it (prefix in bytes 0..15, database id in 72..87); null without one.
 */
export function registeredHeader(vfs: VfsBinding, path: string): Uint8Array | null {
  const seal = entries.get(vfs.canonicalPath(path))?.seal;
  if (!seal) return null;
  const stored = new Uint8Array(100);
  stored.set(seal.subarray(0, 16), 0);
  stored.set(seal.subarray(16, 32), 72);
  return stored;
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
