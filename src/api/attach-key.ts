/**
 * `ATTACH 'file' AS name KEY '...'` is SQLCipher's and SEE's way of attaching an encrypted database.
 * Stock SQLite parses the KEY clause and ignores it, so under pageseal that file would be written in
 * plaintext while the user believes it encrypted. Database.prepare/exec refuse such statements (the
 * VFS never sees the clause, so only the SQL text can tell). A KEY inside a string literal, a quoted
 * name or a comment is not one.
 */
import { InvalidOptionsError } from '../errors.js';

/** `sql` with each string literal or quoted name turned into one bare token, and comments into a space. */
function bare(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (m) => (m.startsWith('--') || m.startsWith('/*') ? ' ' : ' q '));
}

/** True when `sql` holds an ATTACH statement with a KEY clause. */
export function hasAttachKey(sql: string): boolean {
  if (!/attach/i.test(sql)) return false; // the common case, without blanking anything
  return /\bATTACH\b[^;]*\bAS\s+\S+\s+KEY\b/i.test(bare(sql));
}

/** Throws when `sql` attaches a database with a KEY clause. */
export function refuseAttachKey(sql: string): void {
  if (!hasAttachKey(sql)) return;
  throw new InvalidOptionsError(
    "ATTACH ... KEY is another extension's syntax (SQLCipher, SEE) that SQLite ignores: the attached file would be " +
      'written in plaintext. Open the file with pageseal first (open(path, { encryption }) registers its key for this ' +
      'process), then ATTACH it without KEY',
  );
}
