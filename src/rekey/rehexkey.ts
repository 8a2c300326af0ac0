/**
 * `PRAGMA rehexkey = '<hex>'`: the same cipher under a new key, the name Turso's users asked for.
 * pageseal's Database recognises it in `db.pragma()` and `db.exec()` (as the only statement) and
 * runs `db.rekey()`: a rekey rebuilds and renames the file, which cannot happen inside SQLite's
 * own statement. Anywhere else (a prepared statement, a plain better-sqlite3 connection) the VFS
 * refuses it with an error that names the API (src/native/vfs/rekey.c). The key is never echoed.
 */
const BODY = String.raw`(?:main\s*\.\s*)?rehexkey\s*(?:=\s*(?:'([^']*)'|"([^"]*)"|([0-9A-Za-z]+))|\(\s*(?:'([^']*)'|"([^"]*)"|([0-9A-Za-z]+))\s*\))\s*;?\s*`;
const AS_PRAGMA = new RegExp(`^\\s*${BODY}$`, 'i');
const AS_SQL = new RegExp(`^\\s*PRAGMA\\s+${BODY}$`, 'i');

/** The hex value when `source` is exactly a rehexkey pragma (`withKeyword`: it starts with PRAGMA, as in exec). */
export function rehexkeyValue(source: unknown, withKeyword: boolean): string | undefined {
  if (typeof source !== 'string' || !/rehexkey/i.test(source)) return undefined;
  const m = (withKeyword ? AS_SQL : AS_PRAGMA).exec(source);
  if (!m) return undefined;
  return m.slice(1).find((v) => v !== undefined) ?? '';
}
