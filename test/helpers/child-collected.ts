/**
 * Run by test/collected.test.ts in a second process with --expose-gc: what happens to key registrations
 * when Databases are garbage-collected (better-sqlite3 closes the connection; the VFS drops the
 * registration its main file holds, src/api/keys.ts).
 * Usage: child-collected.ts <mode> [<db path> <cipher>]; keys in PAGESEAL_TEST_HEXKEY, PAGESEAL_TEST_OTHER_HEXKEY.
 * Prints one line per finding.
 */
import { open, AuthenticationError } from '../../src/index.js';
import type { CipherName } from '../../src/ciphers/types.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collect(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What opening with `hexkey` meets: 'opened', 'conflict' (a live registration) or 'page N' (the file says no). */
function tryOpen(path: string, cipher: CipherName, hexkey: string): string {
  try {
    open(path, { encryption: { cipher, hexkey } }).close();
    return 'opened';
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    return /already open/.test(e.message) ? 'conflict' : `page ${e.pageNumber}`;
  }
}

/** A closed Database collected later must not release the registration of a newer connection. */
async function closedThenCollected(path: string, cipher: CipherName, hexkey: string, other: string): Promise<void> {
  let first: ReturnType<typeof open> | undefined = open(path, { encryption: { cipher, hexkey } });
  first.close();
  const second = open(path, { encryption: { cipher, hexkey } });
  first = undefined;
  await collect();
  process.stdout.write(`${tryOpen(path, cipher, other)}\n`);
  second.close();
  process.stdout.write(`${tryOpen(path, cipher, other)}\n`);
}

/** A plain Database encrypted with db.rekey() and then dropped releases its new registration when collected. */
async function rekeyedThenDropped(path: string, cipher: CipherName, hexkey: string, other: string): Promise<void> {
  (() => {
    const db = open(path);
    db.rekey({ cipher, hexkey });
    db.prepare('SELECT count(*) FROM t').get();
  })();
  process.stdout.write(`${tryOpen(path, cipher, other)}\n`);
  await collect();
  process.stdout.write(`${tryOpen(path, cipher, other)}\n`);
}

async function main(): Promise<void> {
  const [mode, path, cipher] = process.argv.slice(2) as [string?, string?, CipherName?];
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY ?? '';
  const other = process.env.PAGESEAL_TEST_OTHER_HEXKEY ?? '';
  if (!gc) throw new Error('run with --expose-gc');
  if (!path || !cipher) throw new Error('usage: child-collected.ts <mode> <db> <cipher>');
  if (mode === 'closed-then-collected') return closedThenCollected(path, cipher, hexkey, other);
  if (mode === 'rekeyed-then-dropped') return rekeyedThenDropped(path, cipher, hexkey, other);
  throw new Error(`unknown mode ${mode}`);
}

void main();
