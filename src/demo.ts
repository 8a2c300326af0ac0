/**
 * `npm run demo`: the offline codec end to end, in a temporary directory.
 * A sample database is made with stock better-sqlite3, encrypted in Turso's format, verified,
 * searched for its plaintext, decrypted back and read, and finally tampered with.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { getCipher } from './ciphers/registry.js';
import { createEmptyDatabase } from './format/empty-database.js';
import { decryptFile, encryptFile, info, verifyFile } from './tools/index.js';

const CIPHER = 'aegis256';
const SECRET = 'the launch code is 4-8-15-16-23-42';
const NOTES = [
  ['groceries', 'milk, eggs, coffee'],
  ['launch', SECRET],
  ['todo', 'water the plants'],
  ['quote', 'premature optimization is the root of all evil'],
];

function step(n: number, text: string): void {
  console.log(`\n${n}. ${text}`);
}

/** Stock better-sqlite3 on a file that already reserves the cipher's nonce + tag bytes per page. */
function makeSample(path: string, reserved: number): void {
  createEmptyDatabase(path, 4096, reserved);
  const db = new Database(path);
  db.exec('CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT)');
  const insert = db.prepare('INSERT INTO notes(title, body) VALUES (?, ?)');
  db.transaction(() => {
    for (const [title, body] of NOTES) insert.run(title, body);
    for (let i = 1; i <= 300; i++) insert.run(`filler ${i}`, `row ${i} `.repeat(20));
  })();
  db.close();
}

function find(path: string, text: string): number {
  return readFileSync(path).indexOf(Buffer.from(text, 'utf8'));
}

function showRows(path: string): void {
  const db = new Database(path, { readonly: true });
  try {
    console.log(`   integrity_check: ${db.pragma('integrity_check', { simple: true })}`);
    const rows = db.prepare("SELECT id, title, body FROM notes WHERE title NOT LIKE 'filler%' ORDER BY id").all() as { id: number; title: string; body: string }[];
    for (const r of rows) console.log(`   ${r.id}  ${r.title.padEnd(10)} ${r.body}`);
    const { n } = db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number };
    console.log(`   (${n} rows in all)`);
  } finally {
    db.close();
  }
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-demo-'));
  const plain = join(dir, 'plain.db');
  const encrypted = join(dir, 'encrypted.db');
  const decrypted = join(dir, 'decrypted.db');
  const cipher = getCipher(CIPHER);
  const opts = { cipher: CIPHER, hexkey: randomBytes(cipher.keySize).toString('hex') };
  try {
    console.log(`pageseal demo: Turso-compatible page encryption, offline (work dir ${dir})`);

    step(1, `Sample database with stock better-sqlite3: 4096-byte pages reserving ${cipher.reservedBytes} bytes each (${CIPHER} nonce ${cipher.nonceSize} + tag 16)`);
    makeSample(plain, cipher.reservedBytes);
    console.log(`   plain.db: ${info(plain).pageCount} pages; "${SECRET}" found at byte ${find(plain, SECRET)}`);

    step(2, `Encrypt with ${CIPHER} (random ${cipher.keySize * 8}-bit key, not shown; ${cipher.backend} cipher backend)`);
    const enc = encryptFile(plain, encrypted, opts);
    const i = info(encrypted);
    console.log(`   encrypted.db: ${enc.pages} pages, format ${i.format}, cipher ${i.cipher} (id ${i.cipherId}), readable by Turso with the same key`);
    console.log(`   secret in encrypted.db: ${find(encrypted, SECRET) < 0 ? 'not found' : 'FOUND (bug!)'}; "notes" table name: ${find(encrypted, 'CREATE TABLE notes') < 0 ? 'not found' : 'FOUND (bug!)'}`);

    step(3, 'Verify: authenticate every page');
    const v = verifyFile(encrypted, opts);
    console.log(`   ${v.ok ? 'ok' : 'FAILED'}: ${v.pagesChecked} pages authenticated`);

    step(4, 'Decrypt back to a plain file and read it with stock better-sqlite3');
    decryptFile(encrypted, decrypted, opts);
    showRows(decrypted);

    step(5, 'Tamper: flip one bit in page 3 of a copy of the encrypted file');
    const tampered = join(dir, 'tampered.db');
    const bytes = readFileSync(encrypted);
    bytes[2 * 4096 + 100]! ^= 0x01;
    writeFileSync(tampered, bytes);
    const t = verifyFile(tampered, opts);
    const failed = t.failures.map((f) => f.page).join(', ');
    console.log(`   verify: ${t.ok ? 'ok (bug!)' : `failed on page ${failed}: ${t.failures[0]!.reason}`}`);
    console.log('\nDone. The CLI does the same: pageseal info|verify|decrypt|encrypt (see pageseal --help).');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
