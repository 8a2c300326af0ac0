/**
 * Run by the API tests in a second process with --expose-gc: a Database dropped without close() must
 * release its key registration once collected, so a later open with another key is judged by the
 * file (page 1 fails authentication) rather than refused as a conflict with a live connection.
 * Usage: child-gc.ts <db path> <cipher>; keys in PAGESEAL_TEST_HEXKEY and PAGESEAL_TEST_OTHER_HEXKEY.
 */
import { open, AuthenticationError } from '../../src/index.js';
import type { CipherName } from '../../src/ciphers/types.js';

function openAndDrop(path: string, cipher: CipherName, hexkey: string): void {
  const db = open(path, { encryption: { cipher, hexkey } });
  db.prepare('SELECT count(*) FROM t').get();
}

async function main(): Promise<void> {
  const [path, cipher] = process.argv.slice(2) as [string?, CipherName?];
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY;
  const other = process.env.PAGESEAL_TEST_OTHER_HEXKEY;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!path || !cipher || !hexkey || !other || !gc) throw new Error('usage: node --expose-gc ... child-gc.ts <db> <cipher>');
  openAndDrop(path, cipher, hexkey);
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    open(path, { encryption: { cipher, hexkey: other } }).close();
    process.stdout.write('opened with the other key\n');
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    process.stdout.write(/already open/.test(e.message) ? 'conflict\n' : `page ${e.pageNumber}\n`);
  }
}

void main();
