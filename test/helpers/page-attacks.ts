/**
 * Page-level attacks on an encrypted database file, for the pageseal-format tests and the fuzz
 * (scripts/fuzz-page-binding.ts): swap two pages, copy one page over another, move a page in from
 * another database under the same key, put back a page's own older version. Each attack rewrites
 * whole stored pages (as someone with write access to the file but not the key can); `judge` then
 * opens the result with pageseal and reads every page SQLite can reach.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { explainError, open, PagesealError, type EncryptionOpts } from '../../src/index.js';

export function readPage(path: string, pageNo: number, pageSize: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(pageSize);
    readSync(fd, buf, 0, pageSize, (pageNo - 1) * pageSize);
    return buf;
  } finally {
    closeSync(fd);
  }
}

export function writePage(path: string, pageNo: number, page: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, page, 0, page.length, (pageNo - 1) * page.length);
  } finally {
    closeSync(fd);
  }
}

export function swapPages(path: string, a: number, b: number, pageSize: number): void {
  const pa = readPage(path, a, pageSize);
  const pb = readPage(path, b, pageSize);
  writePage(path, a, pb);
  writePage(path, b, pa);
}

export function copyPage(path: string, from: number, to: number, pageSize: number): void {
  writePage(path, to, readPage(path, from, pageSize));
}

/** Page `pageNo` of `donor` (another database under the same key) written over the same page of `path`. */
export function transplantPage(donor: string, path: string, pageNo: number, pageSize: number): void {
  writePage(path, pageNo, readPage(donor, pageNo, pageSize));
}

/** What the rows of every table say: a hash of `SELECT *` over each table in rowid order. */
export function contentHash(db: { prepare(sql: string): { all(): unknown[]; pluck(): { all(): unknown[] } } }): string {
  const h = createHash('sha256');
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  for (const t of tables) h.update(JSON.stringify(db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()));
  return h.digest('hex');
}

/** Reads every entry of every index (an index-only scan in index order). */
export function scanIndexes(db: { prepare(sql: string): { all(): unknown[]; pluck(): { all(): unknown[] } } }): void {
  const idx = db.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'").all() as Array<{ name: string; tbl_name: string }>;
  for (const { name, tbl_name } of idx) {
    const cols = (db.prepare(`SELECT name FROM pragma_index_info('${name}')`).pluck().all() as string[]).map((c) => `"${c}"`).join(', ');
    if (cols) db.prepare(`SELECT ${cols} FROM "${tbl_name}" INDEXED BY "${name}" ORDER BY ${cols}`).all();
  }
}

export type Verdict = 'typed' | 'sqlite-corrupt' | 'integrity-only' | 'silent-wrong' | 'unchanged';

/**
 * 'typed' when pageseal itself caught the damage (a page failed, or the VFS saw the file cut short);
 * 'sqlite-corrupt' when SQLite's own structure checks did (SQLITE_CORRUPT on pages that all
 * authenticated, which explainError types as FormatError CORRUPT "damaged" with SQLite's error as cause).
 */
function verdictOf(err: unknown): Verdict {
  if (!(err instanceof PagesealError)) return 'sqlite-corrupt';
  return err.code === 'CORRUPT' && /SQLite found its pages inconsistent/.test(err.message) ? 'sqlite-corrupt' : 'typed';
}

/**
 * Opens `path` with `enc` and reads everything: integrity_check, every row of every table, every
 * index. 'typed': a pageseal AuthenticationError/FormatError; 'sqlite-corrupt': a query failed because
 * SQLite's structure checks found the authenticated pages inconsistent (see verdictOf); 'integrity-only': every query ran, only
 * integrity_check complained (an application that never runs it sees whatever the queries returned);
 * 'silent-wrong': everything ran clean but the rows differ from `expected`; 'unchanged': no error and
 * the same rows.
 */
export function judge(path: string, enc: EncryptionOpts, expected: string): Verdict {
  let db;
  try {
    db = open(path, { encryption: enc, fileMustExist: true });
  } catch (e) {
    return verdictOf(e);
  }
  try {
    const hash = contentHash(db);
    scanIndexes(db);
    const ic = db.pragma('integrity_check', { simple: true });
    if (ic !== 'ok') return 'integrity-only';
    return hash === expected ? 'unchanged' : 'silent-wrong';
  } catch (e) {
    // statements are not wrapped by Database (docs/api.md): explainError gives their typed error
    return verdictOf(explainError(e, path));
  } finally {
    try {
      db.close();
    } catch {
      // a connection that failed may fail to checkpoint as well
    }
  }
}
