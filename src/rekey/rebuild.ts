/**
 * The copy at the heart of every key change: a new database file built by SQLite from the old one,
 * table by table, under the new key and cipher (or none), with its b-tree pages laid out for the
 * new cipher's reserved bytes. It is SQLite's own VACUUM INTO algorithm driven from the new file's
 * side: a connection whose main database is the new file (its reserve set by the VFS from its key
 * before the first write) ATTACHes the old one and copies the schema, then every table with
 * `INSERT INTO t SELECT * FROM src.t` (the transfer optimization: records and rowids copied as they
 * are), then views, triggers and virtual tables as schema rows. VACUUM INTO itself cannot be used:
 * it takes the reserve from the old file and can only grow it (without URI filenames, which
 * better-sqlite3 disables).
 *
 * Memory stays flat: SQLite streams both files through its page caches. See docs/rekey.md.
 */
import { KeyNotAppliedError, PagesealError } from '../errors.js';
import { Database } from '../api/database.js';
import { explainError } from '../api/explain.js';
import { loadAddon } from '../addon.js';
import type { ResolvedEncryption } from '../options.js';
import { install } from '../api/install.js';
import { acquireKey, releaseKey } from '../api/keys.js';

export type Progress = (done: number, total: number) => void;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function codeOf(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

/** True for SQLite's "database is locked" family. */
export function isBusy(e: unknown): boolean {
  const c = codeOf(e);
  return typeof c === 'string' && (c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED'));
}

function busyError(cause: unknown): PagesealError {
  return new PagesealError('BUSY', 'the database is in use by another connection (another process, or a connection of this process): close it and retry; nothing was changed', { cause });
}

export interface SourceFacts {
  pageSize: number;
  pageCount: number;
  journalMode: string;
  autoVacuum: number;
  encoding: string;
}

/**
 * A connection on the new file (`dest`, which must not exist) with the old database attached as
 * `src`. The caller registers the old key for the old path before `attach` and drops it after
 * `detach`.
 */
export class Rebuild {
  readonly db: Database;
  readonly dest: string;
  #attached = false;
  #keyId: string | undefined;

  /**
   * `to` is the new file's key, resolved once by the caller: in pageseal's format it carries the
   * new database id (and, for a passphrase, the key derived with it), which the caller registers
   * again for the real path after the rename, so both must be the same. It is registered for
   * `dest` here (not passed as an encryption option, which would draw another database id).
   */
  constructor(dest: string, to: ResolvedEncryption | null) {
    this.dest = dest;
    const vfs = install();
    if (to) this.#keyId = acquireKey(vfs, dest, to);
    try {
      // timeout 0: a lock held by anyone else is reported at once, never waited for.
      this.db = new Database(dest, { timeout: 0 });
    } catch (e) {
      this.#release();
      throw e;
    }
    // Fail closed: the VFS must hold the new key for the file SQLite opened, or the copy would be
    // written in plaintext (the check Database makes for its own keyed opens).
    if (to && this.db.pragma('pageseal_key_path', { simple: true }) !== this.#keyId) {
      this.db.close();
      this.#release();
      throw new KeyNotAppliedError(`${dest}: the new key was not applied to the copy; nothing was changed`);
    }
    // Defensive mode off for this private connection only: the copy writes schema rows (views,
    // triggers, virtual tables) and shadow tables, as VACUUM does.
    this.db.unsafeMode(true);
    this.db.pragma('foreign_keys = OFF'); // the transfer optimization is off with foreign keys on
    this.db.pragma('synchronous = FULL');
  }

  /**
   * Attaches the old database. With `exclusive`, every database of this connection stays locked
   * from its first transaction until the connection closes (locking_mode EXCLUSIVE): no other
   * connection, in this process or another, can read or write the old file meanwhile.
   */
  attach(src: string, exclusive: boolean): void {
    if (exclusive) this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.prepare('ATTACH ? AS src').run(src);
      this.#attached = true;
      this.db.prepare('SELECT count(*) FROM src.sqlite_schema').pluck().get(); // a wrong key fails here, before any lock or write
    } catch (e) {
      if (isBusy(e)) throw busyError(e);
      throw explainError(e, src);
    }
  }

  /**
   * Gives the still empty copy the old database's text encoding (before attach) or page size and
   * auto-vacuum (before lock): its first transaction fixes them for good.
   */
  shapeLike(encoding: string | undefined, facts?: Pick<SourceFacts, 'pageSize' | 'autoVacuum'>): void {
    if (encoding) this.db.pragma(`main.encoding = '${encoding}'`);
    if (facts) {
      this.db.pragma(`main.page_size = ${facts.pageSize}`);
      this.db.pragma(`main.auto_vacuum = ${facts.autoVacuum}`);
    }
  }

  /** Takes the exclusive lock (see attach); throws PagesealError BUSY when anyone else has the file open or locked. */
  lock(): void {
    try {
      this.db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (e) {
      if (isBusy(e)) throw busyError(e);
      throw e;
    }
  }

  source(): SourceFacts {
    const p = (sql: string): unknown => this.db.pragma(sql, { simple: true });
    return {
      pageSize: Number(p('src.page_size')),
      pageCount: Number(p('src.page_count')),
      journalMode: String(p('src.journal_mode')),
      autoVacuum: Number(p('src.auto_vacuum')),
      encoding: String(p('src.encoding')),
    };
  }

  /** Copies everything from src into main in one transaction. */
  copy(facts: SourceFacts, onProgress?: Progress): void {
    const db = this.db;
    db.pragma(`main.page_size = ${facts.pageSize}`);
    db.pragma(`main.auto_vacuum = ${facts.autoVacuum}`);
    db.pragma(`main.encoding = '${facts.encoding}'`);
    const schema = db
      .prepare("SELECT type, name, sql, rootpage FROM src.sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid")
      .all() as { type: string; name: string; sql: string; rootpage: number | null }[];
    const stored = schema.filter((r) => r.type === 'table' && (r.rootpage ?? 1) > 0);
    const total = facts.pageCount;
    let best = 0; // never report going backwards
    // A callback that throws does not stop the copy (as for the calls the VFS makes): progress is
    // advice, and an exception thrown after the copy is complete would throw away a finished rekey.
    const tell = (done: number): void => {
      try {
        onProgress?.(done, total);
      } catch {
        // ignored, see above
      }
    };
    const report = (pages: number): void => {
      best = Math.max(best, Math.min(pages, total));
      tell(best);
    };
    tell(0);
    // Pages written to the new file as SQLite spills and commits, reported by the VFS.
    const native = loadAddon() as unknown as { rekeyProgress?: (path: string, total: number, pageSize: number, fn: ((pages: number) => void) | null) => void } | null;
    const tracked = onProgress !== undefined && native?.rekeyProgress !== undefined;
    if (tracked) native!.rekeyProgress!(this.dest, total, facts.pageSize, report);
    db.exec('BEGIN');
    try {
      db.pragma('writable_schema = ON');
      // Tables first (sqlite_sequence appears with the first AUTOINCREMENT table), then indexes.
      for (const r of stored) if (r.name !== 'sqlite_sequence') db.exec(r.sql);
      for (const r of schema) if (r.type === 'index') db.exec(r.sql);
      const tables = db
        .prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table' AND coalesce(rootpage, 1) > 0 ORDER BY rowid")
        .pluck()
        .all() as string[];
      for (const t of tables) if (t !== 'sqlite_sequence') db.exec(this.#copyStatement(t));
      // Copying an AUTOINCREMENT table wrote its own counter rows: replaced by the old file's.
      if (tables.includes('sqlite_sequence')) {
        db.exec('DELETE FROM main.sqlite_sequence');
        db.exec(this.#copyStatement('sqlite_sequence'));
      }
      // Objects without storage: copied as schema rows, as VACUUM does.
      db.exec("INSERT INTO main.sqlite_schema SELECT * FROM src.sqlite_schema WHERE type IN ('view', 'trigger') OR (type = 'table' AND rootpage = 0)");
      for (const meta of ['user_version', 'application_id']) db.pragma(`main.${meta} = ${Number(db.pragma(`src.${meta}`, { simple: true }))}`);
      // A schema cookie above the old one: a connection that cached the old schema re-reads it.
      db.pragma(`main.schema_version = ${Number(db.pragma('src.schema_version', { simple: true })) + 1}`);
      db.pragma('writable_schema = OFF');
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    } finally {
      if (tracked) native!.rekeyProgress!(this.dest, 0, 512, null);
      db.pragma('writable_schema = OFF');
    }
    tell(total);
  }

  /**
   * The statement that copies table `t`. `INSERT ... SELECT *` takes SQLite's transfer
   * optimisation, which keeps rowids, except in a rowid table with neither an INTEGER PRIMARY KEY
   * nor any index: there it numbers rows afresh (as VACUUM may; VACUUM INTO does not). Rowids can
   * be referenced from outside the table (an FTS index with external content, the application), so
   * such a table is copied with its rowid named, column by column (generated columns are computed
   * again).
   */
  #copyStatement(t: string): string {
    const plain = `INSERT INTO main.${quote(t)} SELECT * FROM src.${quote(t)}`;
    const lit = `'${t.replace(/'/g, "''")}'`;
    const list = this.db.pragma(`src.table_list(${lit})`) as { wr: number }[];
    if (list.length !== 1 || list[0]!.wr) return plain; // WITHOUT ROWID: no rowid to keep
    const cols = this.db.pragma(`src.table_xinfo(${lit})`) as { name: string; type: string; pk: number; hidden: number }[];
    const pk = cols.filter((c) => c.pk > 0);
    if (pk.length === 1 && pk[0]!.type.toUpperCase() === 'INTEGER') return plain; // the rowid is a column
    const indexed = this.db.prepare("SELECT count(*) FROM src.sqlite_schema WHERE type = 'index' AND tbl_name = ?").pluck().get(t) as number;
    if (indexed > 0) return plain;
    const names = new Set(cols.map((c) => c.name.toLowerCase()));
    const rowid = ['rowid', '_rowid_', 'oid'].find((a) => !names.has(a));
    if (rowid === undefined) return plain; // every name of the rowid is taken by a column: it cannot be read
    const stored = cols.filter((c) => c.hidden === 0).map((c) => quote(c.name));
    const list2 = [rowid, ...stored].join(', ');
    return `INSERT INTO main.${quote(t)}(${list2}) SELECT ${list2} FROM src.${quote(t)}`;
  }

  /** Puts the new file in WAL mode when the old one was, with the header change in the file itself. */
  finish(walMode: boolean): void {
    if (!walMode) return;
    this.db.pragma('main.journal_mode = WAL');
    this.db.pragma('main.wal_checkpoint(TRUNCATE)');
  }

  detach(): void {
    if (!this.#attached) return;
    this.db.exec('DETACH src');
    this.#attached = false;
  }

  close(): void {
    try {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // closing anyway
    }
    try {
      this.detach();
    } finally {
      try {
        if (this.db.open) this.db.close();
      } finally {
        this.#release();
      }
    }
  }

  #release(): void {
    if (this.#keyId !== undefined) releaseKey(install(), this.#keyId);
    this.#keyId = undefined;
  }
}
