/**
 * `npm run demo`: pageseal end to end, in a temporary directory, in a few seconds.
 * An encrypted database is created through better-sqlite3 (pageseal's `open`), searched for its
 * plaintext, reopened, opened with a wrong key (a typed error, the file unchanged), checked and
 * decrypted with the offline tools, tampered with (caught through SQL and offline), and finally
 * opened with the Turso engine when `@tursodatabase/database` (a devDependency) is installed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { open, explainError, findCipherSpec, AuthenticationError, type EncryptionOpts, type HexKeyEncryption } from './index.js';
import { decryptFile, info, verifyFile } from './tools/index.js';

const CIPHER = 'aegis256';
const SECRET = 'the launch code is 4-8-15-16-23-42';
const NOTES = [
  ['groceries', 'milk, eggs, coffee'],
  ['launch', SECRET],
  ['todo', 'water the plants'],
  ['quote', 'premature optimization is the root of all evil'],
];

type Db = BetterSqlite3.Database;

function step(n: number, text: string): void {
  console.log(`\n${n}. ${text}`);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function find(path: string, text: string): number {
  return readFileSync(path).indexOf(Buffer.from(text, 'utf8'));
}

/** Creates the encrypted database through better-sqlite3; close() leaves all data in the main file. */
function create(path: string, enc: EncryptionOpts): void {
  const db = open(path, { encryption: enc });
  try {
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT)');
    const insert = db.prepare('INSERT INTO notes(title, body) VALUES (?, ?)');
    db.transaction(() => {
      for (const [title, body] of NOTES) insert.run(title, body);
      for (let i = 1; i <= 300; i++) insert.run(`filler ${i}`, `row ${i} `.repeat(20));
    })();
  } finally {
    db.close();
  }
}

function showRows(db: Db): void {
  console.log(`   integrity_check: ${db.pragma('integrity_check', { simple: true })}`);
  const rows = db.prepare("SELECT id, title, body FROM notes WHERE title NOT LIKE 'filler%' ORDER BY id").all() as { id: number; title: string; body: string }[];
  for (const r of rows) console.log(`   ${r.id}  ${r.title.padEnd(10)} ${r.body}`);
  const { n } = db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number };
  console.log(`   (${n} rows in all)`);
}

function reopen(path: string, enc: EncryptionOpts): void {
  const db = open(path, { encryption: enc, readonly: true });
  try {
    showRows(db);
  } finally {
    db.close();
  }
}

function wrongKey(path: string): void {
  const before = sha256(path);
  try {
    open(path, { encryption: { cipher: CIPHER, hexkey: randomBytes(32).toString('hex') } }).close();
    console.log('   opened with a wrong key (bug!)');
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    console.log(`   ${e.name} (code ${e.code}, page ${e.pageNumber}): ${e.message}`);
  }
  console.log(`   file unchanged: ${sha256(path) === before ? 'yes' : 'NO (bug!)'}`);
}

function flipBit(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0x01;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

function tamper(path: string, copy: string, enc: EncryptionOpts): void {
  copyFileSync(path, copy);
  flipBit(copy, 2 * 4096 + 100);
  const db = open(copy, { encryption: enc });
  try {
    db.prepare('SELECT * FROM notes').all();
    console.log('   SQL: the tampered page was read (bug!)');
  } catch (e) {
    const err = explainError(e);
    if (!(err instanceof AuthenticationError)) throw err;
    console.log(`   SQL: ${err.name} on page ${err.pageNumber}: ${err.message}`);
  } finally {
    db.close();
  }
  const t = verifyFile(copy, enc);
  const failed = t.failures.map((f) => f.page).join(', ');
  console.log(`   verify: ${t.ok ? 'ok (bug!)' : `failed on page ${failed}: ${t.failures[0]!.reason}`}`);
}

function decrypt(path: string, out: string, enc: EncryptionOpts): void {
  decryptFile(path, out, enc);
  const db = new BetterSqlite3(out, { readonly: true });
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number };
    console.log(`   plain copy read by stock better-sqlite3 without a key: ${n} rows, integrity_check ${db.pragma('integrity_check', { simple: true })}`);
  } finally {
    db.close();
  }
}

async function withTurso(path: string, enc: HexKeyEncryption): Promise<void> {
  let turso: typeof import('@tursodatabase/database');
  try {
    turso = await import('@tursodatabase/database');
  } catch {
    console.log('   skipped: @tursodatabase/database is not installed (a devDependency of pageseal)');
    return;
  }
  const db = await turso.connect(path, { encryption: { cipher: CIPHER, hexkey: enc.hexkey } });
  try {
    const row = (await db.get("SELECT count(*) AS n, (SELECT body FROM notes WHERE title = 'launch') AS secret FROM notes")) as { n: number; secret: string };
    console.log(`   Turso read ${row.n} rows; the launch note: "${row.secret}"`);
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-demo-'));
  const encrypted = join(dir, 'encrypted.db');
  const spec = findCipherSpec(CIPHER);
  const enc: HexKeyEncryption = { cipher: CIPHER, hexkey: randomBytes(spec.keySize).toString('hex') };
  try {
    console.log(`pageseal demo: transparent page encryption under better-sqlite3, Turso-compatible (work dir ${dir})`);

    step(1, `Create an encrypted database through better-sqlite3: open(path, { encryption: { cipher: '${CIPHER}', hexkey } }) (random ${spec.keySize * 8}-bit key, not shown)`);
    create(encrypted, enc);
    const i = info(encrypted);
    console.log(`   encrypted.db: ${i.pageCount} pages, format ${i.format}, cipher ${i.cipher} (id ${i.cipherId}); closed, so the main file holds everything`);

    step(2, 'Look for the plaintext in the file');
    console.log(`   secret in encrypted.db: ${find(encrypted, SECRET) < 0 ? 'not found' : 'FOUND (bug!)'}; "notes" table name: ${find(encrypted, 'CREATE TABLE notes') < 0 ? 'not found' : 'FOUND (bug!)'}`);

    step(3, 'Reopen it with the key');
    reopen(encrypted, enc);

    step(4, 'Open it with a wrong key');
    wrongKey(encrypted);

    step(5, 'Verify offline: authenticate every page');
    const v = verifyFile(encrypted, enc);
    console.log(`   ${v.ok ? 'ok' : 'FAILED'}: ${v.pagesChecked} pages authenticated`);

    step(6, 'Decrypt offline to a plain SQLite file');
    decrypt(encrypted, join(dir, 'decrypted.db'), enc);

    step(7, 'Tamper: flip one bit in page 3 of a copy');
    tamper(encrypted, join(dir, 'tampered.db'), enc);

    step(8, 'Open the same encrypted file with the Turso engine');
    await withTurso(encrypted, enc);

    console.log('\nDone. The CLI works on the same files: pageseal info|verify|decrypt|encrypt (see pageseal --help).');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`demo failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  process.exitCode = 1;
});
