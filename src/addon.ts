/**
 * Loads the native pageseal addon (build/Release/pageseal.node, built by node-gyp at install; see
 * addonCandidates() for where else it is looked for, e.g. beside a bundle).
 * The interface below is everything JavaScript may call; no JavaScript runs per page.
 */
import { createRequire } from 'node:module';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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
  /**
   * Seals ('encrypt', fresh random nonces) or opens ('decrypt') `count` whole pages back to back in `buf`,
   * in place, in Turso's format for pages other than page 1 (no associated data). Returns the 0-based
   * indices of pages that failed authentication (zeroed); always empty for 'encrypt'.
   */
  cryptPages(cipherId: number, key: Uint8Array, op: 'encrypt' | 'decrypt', buf: Uint8Array, pageSize: number, count: number, forcePortable: boolean): number[];
  /** The CPU path the cipher runs on: 'portable' | 'aesni' | 'vaes-avx2' | 'avx512' | 'armv8-aes'. */
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
   * `seal` (32 bytes: page 1's 16-byte pageseal prefix, then the database id) selects pageseal's format;
   * without it the key is for Turso's format. With `handoff`, the registration is handed to the main
   * file the next open of this thread creates (it is dropped when SQLite closes that file); end the
   * hand-off with endHandoff() right after that open, whether it succeeded or not.
   */
  registerKey(path: string, cipherId: number, key: Uint8Array, seal?: Uint8Array | null, handoff?: boolean): string;
  /**
   * Ends a hand-off: 0 when no open took the registration (it is then dropped); 1 when the open's main
   * file took it; 2 when it took it and its page 1 authenticated under the key as the file opened.
   */
  endHandoff(): 0 | 1 | 2;
  /**
   * Drops one registration this thread's environment made with registerKey (without handoff); open
   * connections keep their key. False when it holds none for the path: a connection's registration is
   * dropped only by the close of its file.
   */
  unregisterKey(path: string): boolean;
  /**
   * One stat(2) of `path` (src/native/napi_stat.c), without building fs.Stats: 0 missing or unreadable,
   * 1 regular file, 2 directory, 3 other; `out` (7 numbers) gets size, dev, ino, mtime s and ns, ctime s and ns.
   */
  statInto(path: string, out: Float64Array): 0 | 1 | 2 | 3;
  /** What is registered for `path`: null for nothing, else the pageseal seal (null in Turso's format). No key bytes. */
  keyRegistration(path: string): { seal: Uint8Array | null } | null;
  /** The full path SQLite will open for `path` (the platform VFS's xFullPathname). */
  canonicalPath(path: string): string;
  /** True once `sqlite3_pageseal_init` has registered the shim as SQLite's default VFS. */
  vfsInstalled(): boolean;
  /** The last page failure seen by the VFS on this thread (kept until cleared), or null. */
  lastFailure(): {
    /**
     * auth: a page failed authentication; not-encrypted: a key was given for a file not in Turso's format;
     * cipher-mismatch: page 1 names another cipher; format: bad page geometry or a truncated page 1;
     * reserve: page 1 lacks the cipher's reserved bytes; turso-wal: no longer reported (a Turso -wal is read as it is);
     * page-size: a rollback-mode VACUUM tried to change the page size (refused, database unchanged);
     * no-key: a WAL or hot journal of a Turso-format file opened without a key (refused, files unchanged);
     * key-incomplete: a write after PRAGMA cipher or hexkey without the other (refused, nothing written);
     * random: the OS random number generator failed, so no nonce (write refused) or temp-file key (open refused);
     * truncated: a page the database holds is missing from the main file (cut off); empty-main: a keyed main
     * file of 0 bytes beside a -wal or hot journal that holds data (refused, both kept);
     * journal: a hot journal is truncated, damaged or altered (refused before any playback, files unchanged);
     * format-mismatch: the file is in the other page format (Turso's / pageseal's) than the key's;
     * not-regular: a keyed database's -wal or -journal is a FIFO, device or socket (refused before SQLite blocks on it).
     * moved: the main file was replaced (re-keyed by another process?) after the connection opened it; its -wal or -journal is refused.
     */
    kind: 'auth' | 'not-encrypted' | 'cipher-mismatch' | 'format' | 'reserve' | 'turso-wal' | 'page-size' | 'no-key' | 'key-incomplete' | 'random' | 'truncated' | 'empty-main' | 'journal' | 'format-mismatch' | 'not-regular' | 'moved';
    path: string;
    page: number;
  } | null;
  clearLastFailure(): void;
  /** The last line the VFS sent to SQLite's error log (sqlite3_log) on this thread: every page failure. */
  lastLogged(): string;
  /** Counters: registered paths, keys alive (registered or in use), temp files encrypted so far. */
  vfsStats(): { registeredPaths: number; liveKeys: number; encryptedTempFiles: number };
  /**
   * The VFS's own page codec (pagecrypt.c), for test vectors: seals `page` (nonce given, or fresh) or
   * opens a stored page (returns the failure kind as a string when it does not open).
   */
  sealPage(cipherId: number, key: Uint8Array, seal: Uint8Array | null, page: Uint8Array, pageNo: number, page1Layout: boolean, frameHeader: Uint8Array | null, frameNo: number, nonce?: Uint8Array | null): Uint8Array;
  openPage(cipherId: number, key: Uint8Array, seal: Uint8Array | null, page: Uint8Array, pageNo: number, page1Layout: boolean, frameHeader: Uint8Array | null, frameNo: number): Uint8Array | string;
}

/** Functions for the offline tools' output files (src/native/tools/napi_writeback.c). */
export interface NativeToolsFunctions {
  /**
   * Write-behind of `length` bytes at `offset` of a file open for writing (src/tools/write-behind.ts):
   * `settle` false starts writing them to the device; true waits until they are written and drops them
   * from the page cache. Returns 0 when done, -1 where there is no such call (not Linux), else an errno.
   */
  writeBehind(fd: number, offset: number, length: number, settle: boolean): number;
}

export interface NativeAddon extends NativeCipherFunctions, NativeVfsFunctions, Partial<NativeToolsFunctions> {}

/** Where this module's code runs from: `__filename` in CommonJS (the CJS build, or any CJS bundle), else `import.meta.url`. */
function hereFile(): string | undefined {
  // ESM first: in an ES module a global __filename may exist and name something else ('[eval]' under
  // `node -e`, '[worker eval]' in an eval worker). A bundler that turns this file into CommonJS leaves
  // import.meta empty: guard instead of throwing, and take the CommonJS __filename there.
  const url = (import.meta as { url?: string } | undefined)?.url;
  if (url && url.startsWith('file:')) return fileURLToPath(url);
  if (typeof __filename === 'string' && isAbsolute(__filename)) return __filename;
  return undefined;
}

/** The package root: the nearest folder above this module with a package.json and pageseal's binding.gyp. */
export function packageRoot(): string {
  const root = findPackageRoot();
  if (!root) throw new Error('pageseal: cannot find the package root');
  return root;
}

function findPackageRoot(): string | undefined {
  const file = hereFile();
  if (!file) return undefined;
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The file name of the addon; bundler recipes copy it next to the bundle under this name. */
export const ADDON_FILE = 'pageseal.node';

/** The environment variable that names the addon file (read once, at the first load). */
export const ADDON_PATH_ENV = 'PAGESEAL_ADDON_PATH';

/**
 * Electron cannot dlopen from inside an asar archive, and SQLite's loadExtension is a plain dlopen: the
 * addon must be unpacked (electron-builder `asarUnpack`), and the unpacked copy is the one to load.
 */
function unpacked(path: string): string {
  const p = path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return p !== path && existsSync(p) ? p : path;
}

/**
 * Where the addon is looked for, in order (the first existing file wins), node-gyp-build style:
 * the package root's build/Release, build/Debug and prebuilds/<platform>-<arch> (an installed package),
 * then the folder of the code that is running (a bundle): `pageseal.node` beside it, or its
 * build/Release or prebuilds/<platform>-<arch>.
 */
export function addonCandidates(): string[] {
  const out: string[] = [];
  const root = findPackageRoot();
  const prebuilt = join('prebuilds', `${process.platform}-${process.arch}`, ADDON_FILE);
  if (root) out.push(join(root, 'build', 'Release', ADDON_FILE), join(root, 'build', 'Debug', ADDON_FILE), join(root, prebuilt));
  const file = hereFile();
  if (file) {
    const dir = dirname(file);
    out.push(join(dir, ADDON_FILE), join(dir, 'build', 'Release', ADDON_FILE), join(dir, prebuilt));
  }
  return out.map(unpacked);
}

/** Where the addon comes from: an explicit path (install({ addonPath }), then the environment), else the lookup. */
function resolveAddon(explicit: string | undefined): { path: string; from: string } {
  if (explicit !== undefined) return { path: unpacked(resolve(explicit)), from: 'install({ addonPath })' };
  const env = process.env[ADDON_PATH_ENV];
  if (env) return { path: unpacked(resolve(env)), from: ADDON_PATH_ENV };
  const candidates = addonCandidates();
  const found = candidates.find((p) => existsSync(p));
  return { path: found ?? candidates[0] ?? join('build', 'Release', ADDON_FILE), from: found ? 'lookup' : `lookup (tried ${candidates.join(', ') || 'nothing: no package root and no module path'})` };
}

let chosen: { path: string; from: string } | undefined;

/** Absolute path of the addon that is (or will be) loaded; also the path given to db.loadExtension. */
export function addonPath(): string {
  chosen ??= resolveAddon(undefined);
  return chosen.path;
}

let loaded: NativeAddon | null | undefined;
let loadError: unknown;

/**
 * Fixes the addon file before the first load (`install({ addonPath })`). Once an addon is loaded, the
 * same file may be named again, but another one is refused: both roles (Node addon and SQLite
 * extension) must be the one library, loaded once per process.
 */
export function chooseAddon(explicit: string): string {
  const want = resolveAddon(explicit);
  if (loaded && chosen && !sameFile(chosen.path, want.path)) {
    throw new Error(`the pageseal addon is already loaded from ${chosen.path}; it cannot be switched to ${want.path}`);
  }
  if (!loaded) {
    chosen = want;
    loaded = undefined;
    loadError = undefined;
  }
  return chosen!.path;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

/** The addon, or null when it is not built or fails to load (see `addonLoadError()`). */
export function loadAddon(): NativeAddon | null {
  if (loaded) return loaded;
  if (loaded === null) return null;
  const path = addonPath();
  const from = chosen!.from;
  try {
    const file = hereFile();
    const req = file ? createRequire(file) : createRequire(join(process.cwd(), 'noop.js'));
    loaded = existsSync(path) ? (req(path) as NativeAddon) : null;
    if (!loaded) {
      loadError = new Error(
        from === 'lookup' || from.startsWith('lookup (')
          ? `pageseal addon not found: ${path} is missing; ${from}. Run npm install (or npm rebuild pageseal), or name the file with install({ addonPath }) or ${ADDON_PATH_ENV}`
          : `pageseal addon not found: ${path} (from ${from}) does not exist`,
      );
    }
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
