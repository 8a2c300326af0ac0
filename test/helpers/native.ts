/**
 * Test helper for the VFS shim: loads pageseal.node as an addon, installs it as a SQLite extension
 * into better-sqlite3 (require first, then loadExtension on an in-memory bootstrap connection, as
 * docs/vfs.md requires), and registers keys. The public API in src/api does the same with
 * typed errors; this helper talks to the native functions directly so the VFS can be tested alone.
 */
import Database from 'better-sqlite3';
import { addonPath, loadAddon, addonLoadError } from '../../src/addon.js';

export interface VfsFailure {
  kind: string;
  path: string;
  page: number;
}

export interface VfsNative {
  registerKey(path: string, cipherId: number, key: Uint8Array): string;
  unregisterKey(path: string): boolean;
  canonicalPath(path: string): string;
  vfsInstalled(): boolean;
  lastFailure(): VfsFailure | null;
  clearLastFailure(): void;
  vfsStats(): { registeredPaths: number; liveKeys: number; encryptedTempFiles: number };
}

/** Cipher ids: Turso's id byte (docs/format.md). */
export const CIPHERS = {
  aes128gcm: { id: 1, key: 16, reserve: 28 },
  aes256gcm: { id: 2, key: 32, reserve: 28 },
  aegis256: { id: 3, key: 32, reserve: 48 },
  aegis256x2: { id: 4, key: 32, reserve: 48 },
  aegis256x4: { id: 5, key: 32, reserve: 48 },
  aegis128l: { id: 6, key: 16, reserve: 32 },
  aegis128x2: { id: 7, key: 16, reserve: 32 },
  aegis128x4: { id: 8, key: 16, reserve: 32 },
} as const;
export type CipherName = keyof typeof CIPHERS;

let native: VfsNative | undefined;

/** The addon's VFS functions, with the VFS installed into better-sqlite3's SQLite. */
export function vfs(): VfsNative {
  if (native) return native;
  const addon = loadAddon() as unknown as VfsNative | null;
  if (!addon) throw new Error(`pageseal addon not loaded: ${String(addonLoadError())}`);
  if (!addon.vfsInstalled()) {
    const boot = new Database(':memory:');
    (boot.loadExtension as (path: string, entry: string) => void)(addonPath(), 'sqlite3_pageseal_init');
    boot.close();
  }
  native = addon;
  return addon;
}

/** A deterministic test key of the cipher's size. */
export function testKey(cipher: CipherName, seed = 1): Buffer {
  const key = Buffer.alloc(CIPHERS[cipher].key);
  for (let i = 0; i < key.length; i++) key[i] = (i * 7 + seed * 31) & 0xff;
  return key;
}

/** Opens `path` with a key registered for the duration of the open (the file keeps its key after). */
export function openKeyed(path: string, cipher: CipherName, key: Buffer, options?: Database.Options): Database.Database {
  const v = vfs();
  const canonical = v.registerKey(path, CIPHERS[cipher].id, key);
  try {
    return new Database(path, options);
  } finally {
    v.unregisterKey(canonical);
  }
}
