/**
 * Stock better-sqlite3 without pageseal (nothing of pageseal is loaded in this process): opens the
 * database as any tool would after a crash, runs a query, closes, and prints what the query gave.
 * SQLite recovers a -wal or plays back a hot journal before it reads page 1, and checkpoints the
 * -wal on close, so this is what a person running `sqlite3 app.db` does to the files.
 * Usage: stock-sqlite.ts <db path>
 */
import BetterSqlite3 from 'better-sqlite3';

const path = process.argv[2]!;
let result: string;
try {
  const db = new BetterSqlite3(path);
  try {
    result = JSON.stringify(db.prepare('SELECT count(*) AS n FROM sqlite_master').get());
  } catch (e) {
    result = `error ${(e as { code?: string }).code ?? (e as Error).message}`;
  }
  db.close();
} catch (e) {
  result = `open-error ${(e as { code?: string }).code ?? (e as Error).message}`;
}
process.stdout.write(result + '\n');
