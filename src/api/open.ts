/**
 * `open(path, { encryption: { cipher, hexkey }, ...better-sqlite3 options })`: opens (or creates) an
 * encrypted database and returns a better-sqlite3 Database (pageseal's subclass of it, see
 * database.ts). The open is validated at once: a wrong key or cipher, a plain file given a key,
 * or a file that is not a database throws a typed error here and leaves the file untouched.
 */
import { Database, type DatabaseOptions } from './database.js';

export function open(path: string, options: DatabaseOptions = {}): Database {
  return new Database(path, options);
}
