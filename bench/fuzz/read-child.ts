/**
 * Reader of the corruption fuzz, one process per damaged database: opens it with pageseal (not
 * read-only, so SQLite's recovery of a -wal or hot journal runs) and prints one JSON line: the
 * digest of what it read, or the error (typed by explainError).
 * Usage: read-child.js <db> <cipher> <hexkey>
 */
import { explainError, open, PagesealError, type CipherName } from '../../src/index.js';
import { stateDigest } from './workload.js';

const [path, cipher, hexkey] = process.argv.slice(2);
let result: object;
try {
  const db = open(path!, { encryption: { cipher: cipher as CipherName, hexkey: hexkey! } });
  try {
    const digest = stateDigest(db);
    const check = db.pragma('quick_check', { simple: true });
    result = { kind: 'rows', digest, check };
  } finally {
    try {
      db.close();
    } catch {
      // what was read is the result
    }
  }
} catch (e) {
  const err = explainError(e, path);
  const code = (err as { code?: unknown }).code;
  result = err instanceof PagesealError ? { kind: 'typed', code } : { kind: 'error', code: String(code ?? (err as Error).message?.slice(0, 60)) };
}
process.stdout.write(JSON.stringify(result) + '\n');
