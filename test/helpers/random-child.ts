/**
 * Run in a second process by test/failure-record.test.ts with a getrandom() replacement preloaded
 * (LD_PRELOAD) that fails once the file named by PS_TEST_GETRANDOM_FAIL exists. Opens a new encrypted
 * database (nothing written yet), makes getrandom fail, then writes: prints the error's name, code and
 * message as JSON. Key in PAGESEAL_TEST_HEXKEY.
 * Usage: random-child.ts <db path>
 */
import { writeFileSync } from 'node:fs';
import { open } from '../../src/index.js';

const path = process.argv[2]!;
const db = open(path, { encryption: { cipher: 'aegis256', hexkey: process.env.PAGESEAL_TEST_HEXKEY! } });
writeFileSync(process.env.PS_TEST_GETRANDOM_FAIL!, '');
let result: unknown = { ok: true };
try {
  db.exec('CREATE TABLE t(x)');
} catch (e) {
  const err = e as { name?: string; code?: string; message?: string };
  result = { ok: false, name: err.name, code: err.code, message: err.message };
}
db.close();
process.stdout.write(JSON.stringify(result) + '\n');
