/**
 * Puts the pageseal VFS under the user's own better-sqlite3, once per process.
 *
 * The one pageseal.node is both a Node-API addon and a SQLite extension (docs/vfs.md):
 * it is `require()`d first (so JavaScript can register keys), then loaded with
 * `db.loadExtension(addonPath(), 'sqlite3_pageseal_init')` on a throwaway in-memory connection.
 * The entry point registers the shim as SQLite's default VFS for the whole process and keeps the
 * library loaded permanently, so every later connection (worker threads included) goes through it;
 * files without a registered key pass through untouched.
 */
import BetterSqlite3 from 'better-sqlite3';
import { addonLoadError, addonPath, chooseAddon, loadAddon, type NativeVfsFunctions } from '../addon.js';
import { InvalidOptionsError, PagesealError } from '../errors.js';

/** The VFS functions of the addon that the API uses (src/native/vfs/napi_vfs.c). */
export type VfsBinding = Pick<
  NativeVfsFunctions,
  'registerKey' | 'endHandoff' | 'unregisterKey' | 'keyRegistration' | 'canonicalPath' | 'vfsInstalled' | 'lastFailure' | 'clearLastFailure' | 'statInto'
>;

/** A page that failed, as the VFS last recorded it. */
export type VfsFailure = NonNullable<ReturnType<VfsBinding['lastFailure']>>;

const REQUIRED = ['registerKey', 'endHandoff', 'unregisterKey', 'keyRegistration', 'canonicalPath', 'vfsInstalled', 'lastFailure', 'clearLastFailure', 'statInto'] as const;

let binding: VfsBinding | undefined;

function loadBinding(): VfsBinding {
  const addon = loadAddon() as unknown as Record<string, unknown> | null;
  if (!addon) {
    const why = addonLoadError();
    throw new PagesealError('IO', `the pageseal native addon is not available: ${why instanceof Error ? why.message : String(why)}`);
  }
  const missing = REQUIRED.filter((f) => typeof addon[f] !== 'function');
  if (missing.length > 0) throw new PagesealError('IO', `the pageseal addon has no VFS functions (${missing.join(', ')}): rebuild it with npm install`);
  return addon as unknown as VfsBinding;
}

function loadExtensionOnce(): void {
  const boot = new BetterSqlite3(':memory:');
  try {
    // @types/better-sqlite3 omits the entry-point argument that better-sqlite3 accepts.
    (boot.loadExtension as (path: string, entryPoint: string) => unknown)(addonPath(), 'sqlite3_pageseal_init');
  } catch (e) {
    throw new PagesealError('IO', `could not load the pageseal VFS into better-sqlite3: ${(e as Error).message}`, { cause: e });
  } finally {
    boot.close();
  }
}

/** Options of `install()`. */
export interface InstallOptions {
  /**
   * The pageseal.node file to load, for bundled or packaged apps where the package folder is not
   * there (esbuild/webpack/Vite output, Electron's app.asar.unpacked). Default: the environment
   * variable PAGESEAL_ADDON_PATH, else build/Release/pageseal.node of the package, else
   * pageseal.node beside the running bundle. Must be given before the first database is opened.
   */
  addonPath?: string;
}

/**
 * Loads the addon and installs the VFS into better-sqlite3's SQLite if not done yet; returns the
 * VFS functions. Safe to call any number of times (the addon itself knows whether it is installed,
 * so two copies of this module in one process still install once). `open()` and `new Database()`
 * call it without options; call it first yourself to name the addon file.
 */
export function install(options: InstallOptions = {}): VfsBinding {
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('install() options must be an object { addonPath? }');
  if (options.addonPath !== undefined) {
    if (typeof options.addonPath !== 'string' || options.addonPath.length === 0) {
      throw new InvalidOptionsError('install({ addonPath }) must be the path of the pageseal.node file');
    }
    try {
      chooseAddon(options.addonPath);
    } catch (e) {
      throw new InvalidOptionsError((e as Error).message);
    }
  }
  if (binding) return binding;
  const b = loadBinding();
  if (!b.vfsInstalled()) loadExtensionOnce();
  if (!b.vfsInstalled()) throw new PagesealError('IO', 'the pageseal VFS did not register itself with SQLite');
  binding = b;
  return b;
}

/** True when the VFS is installed in this process (does not install it). */
export function isInstalled(): boolean {
  try {
    return loadBinding().vfsInstalled();
  } catch {
    return false;
  }
}
