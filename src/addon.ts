/**
 * Loads the native pageseal addon (build/Release/pageseal.node, built by node-gyp at install).
 * The interface below is everything JavaScript may call; no JavaScript runs per page.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Functions of the native cipher core (src/native/ciphers/napi_ciphers.c). */
export interface NativeCipherFunctions {
  /** Encrypts a copy of `plaintext`; ad may be omitted. Throws TypeError/RangeError on bad arguments. */
  aeadEncrypt(
    cipherId: number,
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array | null | undefined,
    tagLength: number,
    forcePortable: boolean,
  ): { ciphertext: Buffer; tag: Buffer };
  /** Decrypts a copy of `ciphertext`; throws an Error with code 'AUTHENTICATION_FAILED' on a bad tag. */
  aeadDecrypt(
    cipherId: number,
    key: Uint8Array,
    nonce: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    ad: Uint8Array | null | undefined,
    forcePortable: boolean,
  ): Buffer;
  /** The CPU path the cipher runs on: 'portable' | 'aesni' | 'vaes-avx2' | 'avx512'. */
  cipherPath(cipherId: number, forcePortable: boolean): string;
  /** Times `iterations` in-place operations on a `bytes`-long buffer in C; returns total nanoseconds. */
  benchCipher(cipherId: number, forcePortable: boolean, op: 'encrypt' | 'decrypt', bytes: number, iterations: number): number;
  /** Wipes the expanded keys this thread's binding keeps for its last (cipher, key) per path. */
  wipeKeyCache(): void;
}

/** Functions of the VFS (src/native/vfs/napi_vfs.c). */
export interface NativeVfsFunctions {
  /**
   * Registers a key for a database path (canonicalised as SQLite will open it; returned). The key bytes
   * are copied into C: wipe your copy. Registrations are counted per path; a different key for a path
   * that is still registered throws (code PS_KEY_CONFLICT). Needs the extension loaded (PS_VFS_NOT_INSTALLED).
   */
  registerKey(path: string, cipherId: number, key: Uint8Array): string;
  /** Drops one registration; open connections keep their key. True when the path was registered. */
  unregisterKey(path: string): boolean;
  /** The full path SQLite will open for `path` (the platform VFS's xFullPathname). */
  canonicalPath(path: string): string;
  /** True once `sqlite3_pageseal_init` has registered the shim as SQLite's default VFS. */
  vfsInstalled(): boolean;
  /** The last page failure seen by the VFS on this thread (kept until cleared), or null. */
  lastFailure(): {
    /**
     * auth: a page failed authentication; not-encrypted: a key was given for a file not in Turso's format;
     * cipher-mismatch: page 1 names another cipher; format: bad page geometry or a truncated page 1;
     * reserve: page 1 lacks the cipher's reserved bytes; turso-wal: a -wal written by Turso (fold it first);
     * page-size: a rollback-mode VACUUM tried to change the page size (refused, database unchanged);
     * no-key: a WAL or hot journal of a Turso-format file opened without a key (refused, files unchanged);
     * key-incomplete: a write after PRAGMA cipher or hexkey without the other (refused, nothing written);
     * random: the OS random number generator failed, so no nonce (write refused) or temp-file key (open refused);
     * truncated: a page the database holds is missing from the main file (cut off); empty-main: a keyed main
     * file of 0 bytes beside a -wal or hot journal that holds data (refused, both kept).
     */
    kind: 'auth' | 'not-encrypted' | 'cipher-mismatch' | 'format' | 'reserve' | 'turso-wal' | 'page-size' | 'no-key' | 'key-incomplete' | 'random' | 'truncated' | 'empty-main';
    path: string;
    page: number;
  } | null;
  clearLastFailure(): void;
  /** The last line the VFS sent to SQLite's error log (sqlite3_log) on this thread: every page failure. */
  lastLogged(): string;
  /** Counters: registered paths, keys alive (registered or in use), temp files encrypted so far. */
  vfsStats(): { registeredPaths: number; liveKeys: number; encryptedTempFiles: number };
}

export interface NativeAddon extends NativeCipherFunctions, NativeVfsFunctions {}

/** The package root: the nearest folder above this file with a package.json named pageseal. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('pageseal: cannot find the package root');
    dir = up;
  }
}

/** Absolute path of the built addon (also the path given to db.loadExtension). */
export function addonPath(): string {
  return join(packageRoot(), 'build', 'Release', 'pageseal.node');
}

let loaded: NativeAddon | null | undefined;
let loadError: unknown;

/** The addon, or null when it is not built or fails to load (see `addonLoadError()`). */
export function loadAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  const path = addonPath();
  try {
    loaded = existsSync(path) ? (createRequire(import.meta.url)(path) as NativeAddon) : null;
    if (!loaded) loadError = new Error(`pageseal addon not built: ${path} is missing (run npm install)`);
  } catch (e) {
    loadError = e;
    loaded = null;
  }
  return loaded;
}

export function addonLoadError(): unknown {
  loadAddon();
  return loadError;
}
