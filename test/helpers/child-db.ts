/**
 * Run in a second process by the API tests (through vite-node): opens an encrypted database with
 * pageseal, inserts rows FIRST..LAST of the golden content, and prints the row count it then sees.
 * The key comes from the environment (PAGESEAL_TEST_HEXKEY), never from the command line.
 * Usage: child-db.ts <db path> <cipher> <first> <last>
 */
import { open } from '../../src/index.js';
import { makeRows } from './rows.js';
import type { CipherName } from '../../src/ciphers/types.js';

function main(): void {
  const [path, cipher, first, last] = process.argv.slice(2) as [string?, CipherName?, string?, string?];
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY;
  if (!path || !cipher || !first || !last || !hexkey) throw new Error('usage: child-db.ts <db> <cipher> <first> <last> (key in PAGESEAL_TEST_HEXKEY)');
  const db = open(path, { encryption: { cipher, hexkey }, timeout: 20_000 });
  try {
    const insert = db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const r of makeRows(Number(first), Number(last))) insert.run(r.id, r.name, Buffer.from(r.blob));
    })();
    const n = db.prepare('SELECT count(*) FROM t').pluck().get();
    process.stdout.write(`count=${n}\n`);
  } finally {
    db.close();
  }
}

main();
