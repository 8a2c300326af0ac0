/**
 * Reader of the corruption fuzz, one process per damaged database: opens it with pageseal (not
 * read-only, so SQLite's recovery of a -wal or hot journal runs) and prints one JSON line: the
 * digest of what it read, or the error (typed by explainError) with the step that threw it. An error
 * from close() (its checkpoint) after a complete read is reported beside the digest: what was read
 * is the result, but an untyped error there is still one the user would see.
 * Usage: read-child.js <db> <cipher> <hexkey>
 */
import { explainError, open, PagesealError, type CipherName } from '../../src/index.js';
import { stateDigest } from './workload.js';

const [path, cipher, hexkey] = process.argv.slice(2);

/** The error as the fuzz reports it: typed or not, its code, and the start of its message. */
function describe(e: unknown, stage: string): { kind: 'typed' | 'error'; code: string; stage: string; message: string } {
  const err = explainError(e, path);
  const code = (err as { code?: unknown } | null)?.code;
  const message = String((err as Error)?.message ?? err).slice(0, 300);
  return { kind: err instanceof PagesealError ? 'typed' : 'error', code: String(code ?? message.slice(0, 60)), stage, message };
}

let result: object;
let stage = 'open';
try {
  const db = open(path!, { encryption: { cipher: cipher as CipherName, hexkey: hexkey! } });
  let rows: { kind: 'rows'; digest: string; check: unknown; close?: object } | undefined;
  try {
    stage = 'read';
    const digest = stateDigest(db);
    stage = 'quick_check';
    const check = db.pragma('quick_check', { simple: true });
    rows = { kind: 'rows', digest, check };
  } finally {
    try {
      db.close();
    } catch (e) {
      if (rows) rows.close = describe(e, 'close');
    }
  }
  result = rows!;
} catch (e) {
  result = describe(e, stage);
}
process.stdout.write(JSON.stringify(result) + '\n');
