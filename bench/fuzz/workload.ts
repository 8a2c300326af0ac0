/**
 * The corruption fuzz's deterministic workload: transaction k (1, 2, ...) of every database is the
 * same, so the parent can compute the content of every committed state by replaying the
 * transactions into an in-memory SQLite, without trusting the files it damages.
 */
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';

type Db = Pick<BetterSqlite3.Database, 'exec' | 'prepare' | 'transaction'>;

export const ROWS_PER_TXN = 25;

export const SCHEMA = 'CREATE TABLE t(id INTEGER PRIMARY KEY, h TEXT NOT NULL, v BLOB NOT NULL); CREATE INDEX t_h ON t(h)';

function bytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(seed).digest();
  for (let o = 0; o < length; o += 32) {
    block.copy(out, o, 0, Math.min(32, length - o));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** A value of 20..1799 bytes (some spill to overflow pages at small page sizes). */
function value(seed: string): Buffer {
  const len = 20 + (createHash('sha256').update('len' + seed).digest().readUInt16BE(0) % 1780);
  return bytes(seed, len);
}

/** Applies transaction k's changes (the caller wraps them in a transaction). */
export function applyChanges(db: Db, k: number): void {
  if (k === 1) db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO t(id, h, v) VALUES (?, ?, ?)');
  for (let i = 0; i < ROWS_PER_TXN; i++) {
    const id = (k - 1) * ROWS_PER_TXN + i + 1;
    const v = value(`${k}/${i}`);
    insert.run(id, v.subarray(0, 6).toString('hex'), v);
  }
  if (k > 1) {
    const update = db.prepare('UPDATE t SET h = ?, v = ? WHERE id = ?');
    for (let j = 0; j < 3; j++) {
      const v = value(`u${k}/${j}`);
      update.run(v.subarray(0, 6).toString('hex'), v, ((k * 7919 + j * 104729) % ((k - 1) * ROWS_PER_TXN)) + 1);
    }
    if (k % 4 === 0) db.prepare('DELETE FROM t WHERE id = ?').run(((k * 31) % ((k - 1) * ROWS_PER_TXN)) + 1);
  }
}

/** Commits transaction k. */
export function commitTxn(db: Db, k: number): void {
  db.transaction(() => applyChanges(db, k))();
}

/** A digest of what a reader sees: every row by rowid, and the index's view of it. */
export function stateDigest(db: Pick<BetterSqlite3.Database, 'prepare'>): string {
  const h = createHash('sha256');
  const hasTable = db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 't'`).pluck().get();
  if (!hasTable) return 'no-table';
  for (const r of db.prepare('SELECT id, h, v FROM t ORDER BY id').raw().iterate() as Iterable<[number, string, Buffer]>) {
    h.update(`${r[0]}|${r[1]}|`).update(r[2]).update('\n');
  }
  const viaIndex = db.prepare(`SELECT count(*), coalesce(sum(id), 0) FROM t INDEXED BY t_h WHERE h >= ''`).raw().get();
  h.update(JSON.stringify(viaIndex));
  return h.digest('hex');
}
