/**
 * Key registrations per database file, counted per connection: the VFS keeps one key per file, so
 * a second connection to an open file must use the same cipher and key, and the key is dropped only
 * when the last connection that registered it closes. The key itself is not kept in JavaScript:
 * only an HMAC of it under a random per-process secret, to compare keys.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AuthenticationError } from '../errors.js';
import type { ResolvedEncryption } from '../options.js';
import type { VfsBinding } from './install.js';

interface Entry {
  /** The path as the VFS canonicalised it (what unregisterKey takes). */
  canonical: string;
  cipherId: number;
  fingerprint: string;
  refs: number;
}

const secret = randomBytes(32);
const entries = new Map<string, Entry>();

function fingerprint(enc: ResolvedEncryption): string {
  return createHmac('sha256', secret).update(enc.key).digest('hex');
}

/** The file's real path (symlinks resolved), also for a file that does not exist yet. */
export function realPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/**
 * Registers `enc` for `path` with the VFS (or adds a reference to an identical registration) and
 * returns its id (the file's real path). Throws AuthenticationError when another open connection uses a
 * different key or cipher for the same file. Does not wipe `enc`.
 */
export function acquireKey(vfs: VfsBinding, path: string, enc: ResolvedEncryption): string {
  const id = realPath(path);
  const fp = fingerprint(enc);
  const e = entries.get(id);
  if (!e) {
    // Checked before registering: registering would replace the key an open connection relies on.
    const canonical = vfs.registerKey(path, enc.cipher.id, enc.key);
    entries.set(id, { canonical, cipherId: enc.cipher.id, fingerprint: fp, refs: 1 });
    return id;
  }
  if (e.cipherId !== enc.cipher.id || e.fingerprint !== fp) {
    throw new AuthenticationError(`${path}: the key or cipher does not match the one of a connection already open on this file`, 1);
  }
  e.refs++;
  return id;
}

/** True when a connection of this process holds a key registration for `path`. */
export function isRegistered(path: string): boolean {
  return entries.has(realPath(path));
}

/** The VFS's canonical path for a registration made by acquireKey. */
export function vfsPath(id: string): string | undefined {
  return entries.get(id)?.canonical;
}

/** Drops one reference to the registration `id` (from acquireKey); unregisters the key after the last. */
export function releaseKey(vfs: VfsBinding, id: string): void {
  const e = entries.get(id);
  if (!e) return;
  if (--e.refs > 0) return;
  entries.delete(id);
  vfs.unregisterKey(e.canonical);
}
