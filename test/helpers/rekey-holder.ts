/**
 * Run in a second process by the rekey tests: opens a database (encrypted when PAGESEAL_TEST_CIPHER
 * and PAGESEAL_TEST_HEXKEY are set, else plain), reads it (holding a read transaction open with
 * `tx`), prints "ready <count>", waits until its stdin closes, then reads again and prints
 * "after <count>" (or "error <code>"). With `lazy` it reads nothing before stdin closes (so it holds
 * no lock, and SQLite has not yet opened the -wal), then tries to read and to write.
 * Usage: rekey-holder.ts <db path> [tx|lazy]
 */
import { open, type CipherName } from '../../src/index.js';

const [path, mode] = process.argv.slice(2);
const cipher = process.env.PAGESEAL_TEST_CIPHER;
const hexkey = process.env.PAGESEAL_TEST_HEXKEY;
const db = cipher && hexkey ? open(path!, { encryption: { cipher: cipher as CipherName, hexkey }, timeout: 0 }) : open(path!, { timeout: 0 });
if (mode === 'tx') db.exec('BEGIN');
const count = (): unknown => db.prepare('SELECT count(*) FROM t').pluck().get();
process.stdout.write(`ready ${mode === 'lazy' ? '-' : count()}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  try {
    if (mode === 'tx') db.exec('COMMIT');
    if (mode === 'lazy') db.prepare('INSERT INTO t(id, name, blob) VALUES (-1, ?, ?)').run('late', Buffer.alloc(1));
    process.stdout.write(`after ${count()}\n`);
  } catch (e) {
    process.stdout.write(`error ${(e as { code?: string }).code}\n`);
  }
  db.close();
});
