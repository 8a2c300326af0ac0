/**
 * SQLite URI filenames (`file:...`), as SQLite itself reads them, for opens with a key.
 *
 * With URI filenames on, SQLite opens the file a `file:` URI names, not a file of that literal name; the
 * key must be registered for that file, or the VFS would find no key and write plaintext. better-sqlite3
 * switches them on when SQLITE_USE_URI=1 is in the environment as its addon loads (off otherwise: its build
 * sets SQLITE_USE_URI=0), so the same environment variable decides here. If the two ever disagree, the
 * check after the open (database.ts) still refuses the connection.
 *
 * SQLite's rules (uri.html, and sqlite3ParseUri in main.c): after `file:`, an optional authority `//host/`
 * that must be empty or `localhost`; the path runs to the first `?` or `#`; `%HH` escapes are decoded; a
 * query of `key=value` pairs separated by `&` runs to the first `#`; the fragment is ignored. An empty path
 * is a temporary database, `mode=memory` an in-memory one. `vfs=NAME` picks another VFS: with a key that
 * would bypass the pageseal VFS, so it is refused whether URI filenames are on or not.
 */
import { InvalidOptionsError } from '../errors.js';

export interface SqliteUri {
  /** The file SQLite opens (relative paths stay relative to the working directory, as in SQLite). */
  path: string;
  params: Map<string, string>;
}

/** True when better-sqlite3's SQLite reads `file:` names as URIs. */
export function uriFilenamesOn(): boolean {
  return process.env.SQLITE_USE_URI === '1';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** Decodes %HH escapes (a `%` not followed by two hex digits stays as is); refuses an escaped NUL. */
function unescape(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x25 && isHex(String.fromCharCode(raw[i + 1] ?? 0)) && isHex(String.fromCharCode(raw[i + 2] ?? 0))) {
      const v = parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16);
      if (v === 0) throw new InvalidOptionsError('the URI filename contains an escaped NUL (%00)');
      bytes.push(v);
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses a `file:` URI the way SQLite does; null when `name` is not one. */
export function parseSqliteUri(name: string): SqliteUri | null {
  if (!name.startsWith('file:')) return null;
  let rest = name.slice(5);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    if (authority !== '' && authority !== 'localhost') {
      throw new InvalidOptionsError(`the URI filename names host '${authority}': only an empty authority or localhost is allowed`);
    }
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  const q = rest.indexOf('?');
  const path = unescape(q < 0 ? rest : rest.slice(0, q));
  const params = new Map<string, string>();
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = unescape(eq < 0 ? pair : pair.slice(0, eq));
      params.set(key, eq < 0 ? '' : unescape(pair.slice(eq + 1)));
    }
  }
  return { path, params };
}

/**
 * The file a keyed open of `filename` must register its key for: the URI's file with URI filenames on,
 * else `filename` itself. Refuses a vfs= parameter, and a URI naming a temporary or in-memory database.
 */
export function keyedFilePath(filename: string): string {
  if (!filename.startsWith('file:')) return filename;
  const vfsParam = () =>
    new InvalidOptionsError('encryption cannot be combined with a vfs= URI parameter: it would bypass the pageseal VFS (remove it)');
  if (!uriFilenamesOn()) {
    if (/[?&]vfs=/.test(filename)) throw vfsParam(); // a literal name here, but one that was surely meant as a URI
    return filename; // SQLite opens a file of this literal name
  }
  const uri = parseSqliteUri(filename)!;
  if (uri.params.has('vfs')) throw vfsParam();
  if (uri.path === '' || uri.path === ':memory:' || uri.params.get('mode') === 'memory') {
    throw new InvalidOptionsError('encryption needs a file path, not an in-memory or temporary database');
  }
  return uri.path;
}
