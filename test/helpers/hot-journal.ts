/** A database and its journal as a writer killed mid-transaction leaves them (rollback mode). */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { open, type EncryptionOpts } from '../../src/index.js';
import { sha256File } from './files.js';

/**
 * Writes `rows` committed rows to `<dir>/<name>-live.db` (encrypted with `key`, or plain without
 * one), then, inside an open transaction whose pages spill into the main file through a 4-page
 * cache, copies the database and its journal to `<dir>/<name>.db`: the files a SIGKILL at that
 * moment leaves. Returns the copy's path; throws if nothing had spilled.
 */
export function crashedInTransaction(dir: string, name: string, key: EncryptionOpts | null, rows = 2000): string {
  const live = join(dir, `${name}-live.db`);
  const db = key ? open(live, { encryption: key }) : new BetterSqlite3(live);
  db.pragma('journal_mode = delete');
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t(v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`committed row ${i} `.padEnd(200, '.'));
  })();
  const committed = sha256File(live);
  db.pragma('cache_size = 4');
  db.exec('BEGIN');
  db.exec(`UPDATE t SET v = 'UNCOMMITTED ' || id`);
  db.exec(`INSERT INTO t(v) SELECT 'UNCOMMITTED more' FROM t LIMIT 500`);
  const path = join(dir, `${name}.db`);
  copyFileSync(live, path);
  copyFileSync(live + '-journal', path + '-journal');
  db.exec('ROLLBACK');
  db.close();
  if (sha256File(path) === committed) throw new Error('the open transaction did not spill into the main file');
  return path;
}
