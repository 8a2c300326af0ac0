/**
 * Run by test/review-fixes.test.ts under a file-size limit (writes past it fail with EFBIG, as on a full
 * disk): rekeys a database bigger than the limit with rekeyFile and then with db.rekey, and after each
 * reads it back with the old key. Prints one JSON line per step.
 * Usage: rekey-full-child.ts <db> <cipher>; keys in PAGESEAL_TEST_HEXKEY and PAGESEAL_TEST_OTHER_HEXKEY.
 */
import { open, rekeyFile, type CipherName } from '../../src/index.js';

const [path, cipher] = process.argv.slice(2) as [string, CipherName];
const from = { cipher, hexkey: process.env.PAGESEAL_TEST_HEXKEY! };
const to = { cipher, hexkey: process.env.PAGESEAL_TEST_OTHER_HEXKEY! };

function report(step: string, fn: () => unknown): void {
  try {
    process.stdout.write(JSON.stringify({ step, ok: fn() }) + '\n');
  } catch (e) {
    const err = e as { code?: unknown; name?: string; message?: string; cause?: { code?: unknown } };
    process.stdout.write(JSON.stringify({ step, code: err.code, name: err.name, message: err.message, cause: err.cause?.code }) + '\n');
  }
}

function count(): unknown {
  const db = open(path, { encryption: from });
  try {
    return db.prepare('SELECT count(*) FROM t').pluck().get();
  } finally {
    db.close();
  }
}

report('rekeyFile', () => rekeyFile(path, { from, to }));
report('count1', count);
const db = open(path, { encryption: from });
report('db.rekey', () => db.rekey(to));
report('same-connection', () => db.prepare('SELECT count(*) FROM t').pluck().get());
db.close();
report('count2', count);
