/**
 * Run by test/api-threads.test.ts in a second process under a file-size limit (writes past it fail
 * with EFBIG, as on a full disk): opens an encrypted WAL database whose -wal holds frames that do
 * not fit in the main file under the limit, closes it (close() checkpoints, which fails), and then
 * opens it with another key to tell whether the key registration was dropped.
 * Prints `close <ok|failed> <name> <code> open=<bool>` then `after <what the other key got>`, then
 * `warning <name> <code>` for each process warning emitted.
 * Usage: child-close.ts <db path> <cipher>; keys in PAGESEAL_TEST_HEXKEY and PAGESEAL_TEST_OTHER_HEXKEY.
 */
import { open, PagesealError } from '../../src/index.js';
import type { CipherName } from '../../src/ciphers/types.js';

const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${w.name} ${(w as { code?: string }).code}`));
process.on('exit', () => {
  for (const w of warnings) process.stdout.write(`warning ${w}\n`);
});

function main(): void {
  const [path, cipher] = process.argv.slice(2) as [string?, CipherName?];
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY;
  const other = process.env.PAGESEAL_TEST_OTHER_HEXKEY;
  if (!path || !cipher || !hexkey || !other) throw new Error('usage: child-close.ts <db> <cipher> (keys in the environment)');
  const db = open(path, { encryption: { cipher, hexkey } });
  db.prepare('SELECT count(*) FROM t').get();
  try {
    db.close();
    process.stdout.write(`close ok - - open=${db.open}\n`);
  } catch (e) {
    const err = e as { name?: string; code?: string };
    process.stdout.write(`close failed ${err.name} ${err.code} open=${db.open}\n`);
  }
  try {
    open(path, { encryption: { cipher, hexkey: other } }).close();
    process.stdout.write('after opened\n');
  } catch (e) {
    const what = e instanceof PagesealError && /already open/.test(e.message) ? 'conflict' : (e as { code?: string }).code;
    process.stdout.write(`after ${what}\n`);
  }
}

main();
