/**
 * Run by test/apply-encryption.test.ts in a fresh process, where pageseal's VFS is not installed
 * yet: opens a better-sqlite3 connection first (so it is not under the VFS), then calls
 * applyEncryption on it. Prints `refused <code>` or `applied`, then the file's size.
 * Usage: child-apply.ts <db path>; the key in PAGESEAL_TEST_HEXKEY (aegis256).
 */
import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { applyEncryption } from '../../src/index.js';

const path = process.argv[2]!;
const conn = new BetterSqlite3(path);
try {
  applyEncryption(conn, { cipher: 'aegis256', hexkey: process.env.PAGESEAL_TEST_HEXKEY! });
  process.stdout.write('applied\n');
} catch (e) {
  process.stdout.write(`refused ${(e as { code?: string }).code} ${/install\(\)/.test((e as Error).message)}\n`);
}
conn.close();
process.stdout.write(`size ${statSync(path).size}\n`);
