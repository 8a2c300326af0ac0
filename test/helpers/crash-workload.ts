/**
 * The workload of the crash-safety tests (test/crash-safety.test.ts), shared by the test and its
 * child process (crash-child.ts). Every transaction leaves a checkable trace, so a reader can tell
 * whether any transaction is visible only in part:
 * - txns(id, kind, nrows): one row per committed transaction, ids 0, 1, 2, ... without gaps
 *   (0 is the base content written by the test);
 * - a small transaction inserts `nrows` rows into t, all with txn = its id;
 * - a big transaction rewrites every row of t (gen + 1) and state.gen: with a small page cache it
 *   spills pages to the database file (rollback mode) or the WAL before it commits.
 * So at any instant: every row of t belongs to a transaction in txns, each small transaction has all
 * its rows, every row has gen = state.gen, and state.gen = the number of big transactions.
 */
import type { Database } from '../../src/index.js';

export const WORKLOAD_SCHEMA = [
  'CREATE TABLE state(k INTEGER PRIMARY KEY CHECK (k = 1), gen INTEGER NOT NULL)',
  'INSERT INTO state VALUES (1, 0)',
  'CREATE TABLE txns(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, nrows INTEGER NOT NULL)',
  'CREATE TABLE t(id INTEGER PRIMARY KEY, txn INTEGER NOT NULL, gen INTEGER NOT NULL, pad BLOB NOT NULL)',
  'CREATE INDEX t_txn ON t(txn)',
];

/** Inserts `rows` rows of about `padBytes` bytes each for transaction `id` (inside the caller's transaction). */
function insertRows(db: Database, id: number, rows: number, padBytes: number): void {
  const insert = db.prepare('INSERT INTO t(txn, gen, pad) VALUES (?, (SELECT gen FROM state), randomblob(?))');
  for (let i = 0; i < rows; i++) insert.run(id, padBytes + ((id * 37 + i * 101) % 400));
  db.prepare("INSERT INTO txns(id, kind, nrows) VALUES (?, 'small', ?)").run(id, rows);
}

/** The base content: transaction 0 with `rows` rows (written by the test before any child runs). */
export function writeBase(db: Database, rows: number): void {
  for (const sql of WORKLOAD_SCHEMA) db.exec(sql);
  db.transaction(() => {
    insertRows(db, 0, rows, 900);
    db.prepare("UPDATE txns SET kind = 'base' WHERE id = 0").run();
  })();
}

/** The id the next transaction gets. */
export function nextTxnId(db: Database): number {
  return (db.prepare('SELECT coalesce(max(id), -1) + 1 FROM txns').pluck().get() as number);
}

/** A small transaction: 1..7 rows of `padBytes`..`padBytes`+400 bytes. */
export function smallTxn(db: Database, id: number, padBytes = 300): void {
  db.transaction(() => insertRows(db, id, 1 + (id % 7), padBytes))();
}

/** The body of a big transaction (call inside a transaction): rewrites every page of t. */
export function bigTxnBody(db: Database, id: number): void {
  db.prepare('UPDATE t SET gen = gen + 1').run();
  db.prepare('UPDATE state SET gen = gen + 1').run();
  db.prepare("INSERT INTO txns(id, kind, nrows) VALUES (?, 'big', 0)").run(id);
}

export function bigTxn(db: Database, id: number): void {
  db.transaction(() => bigTxnBody(db, id))();
}
