/**
 * Fuzz of page-level attacks on encrypted databases, pageseal's format beside Turso's, in WAL and
 * rollback journal modes (issue 11). For each format and mode it builds a database (three tables,
 * two indexes, no free pages), a donor database under the same key, and an older snapshot of the
 * database, then runs N cases of each class on a fresh copy of the file:
 *
 *   swap        two random pages exchanged
 *   copy        a random page copied over another
 *   transplant  a random page of the donor database written at a random position
 *   rollback    a page replaced by its own older version (from the snapshot)
 *
 * and opens the result with pageseal, reading every row, every index entry and integrity_check.
 * Outcomes: typed (a pageseal AuthenticationError/FormatError), sqlite (a query failed with SQLite's
 * corruption error on pages that all authenticated, which explainError types as FormatError CORRUPT
 * "damaged": caught by the b-tree's structure, by luck, not by the format), integrity (every
 * query ran; only integrity_check complained), silent (all clean, wrong rows), same (all clean, same rows). `verify` counts the cases the offline verifier flags.
 *
 * Usage: npm run fuzz:pages -- [--cases 1000] [--seed 1] [--json]
 * Exit code 1 when a pageseal-format swap, copy or transplant is not a typed error.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { info, open, verifyFile, PagesealError, type EncryptionOpts } from '../src/index.js';
import { contentHash, judge, readPage, writePage, type Verdict } from '../test/helpers/page-attacks.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CASES = arg('--cases', 1000);
let seed = arg('--seed', 1) >>> 0 || 1;
const JSON_OUT = args.includes('--json');
const PAGE = 4096;
const rand = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

type Format = 'pageseal' | 'turso';
type Mode = 'wal' | 'delete';
type Kind = 'swap' | 'copy' | 'transplant' | 'rollback';
const KINDS: Kind[] = ['swap', 'copy', 'transplant', 'rollback'];
const HEX = '5a'.repeat(32);
const encOf = (f: Format): EncryptionOpts => (f === 'pageseal' ? { cipher: 'aegis256', hexkey: HEX, format: 'pageseal' } : { cipher: 'aegis256', hexkey: HEX });

function build(path: string, enc: EncryptionOpts, mode: Mode, salt: number): void {
  const db = open(path, { encryption: enc });
  db.pragma(`journal_mode = ${mode}`);
  db.exec(`CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, city TEXT, age INT);
           CREATE INDEX people_city ON people(city, age);
           CREATE TABLE notes(id INTEGER PRIMARY KEY, person INT, body TEXT);
           CREATE INDEX notes_person ON notes(person);
           CREATE TABLE blobs(k TEXT PRIMARY KEY, v BLOB);`);
  const p = db.prepare('INSERT INTO people(name, city, age) VALUES (?, ?, ?)');
  const n = db.prepare('INSERT INTO notes(person, body) VALUES (?, ?)');
  const b = db.prepare('INSERT INTO blobs(k, v) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 300; i++) {
      p.run(`person ${i + salt}`, `city ${(i * 7 + salt) % 13}`, 20 + ((i + salt) % 50));
      n.run(i, `note ${i} `.padEnd(150, String.fromCharCode(97 + ((i + salt) % 26))));
      b.run(`key ${i + salt}`, Buffer.alloc(60, i + salt));
    }
  })();
  db.close();
}

function update(path: string, enc: EncryptionOpts): void {
  const db = open(path, { encryption: enc });
  db.exec("UPDATE people SET age = age + 1; UPDATE notes SET body = upper(body) WHERE id % 2 = 0; UPDATE blobs SET v = zeroblob(60) WHERE rowid % 3 = 0");
  db.close();
}

function expected(path: string, enc: EncryptionOpts): string {
  const db = open(path, { encryption: enc, readonly: true });
  try {
    return contentHash(db);
  } finally {
    db.close();
  }
}

function verifyFlags(path: string, enc: EncryptionOpts): boolean {
  try {
    return !verifyFile(path, enc).ok;
  } catch (e) {
    return e instanceof PagesealError;
  }
}

interface Row {
  format: Format;
  mode: Mode;
  kind: Kind;
  cases: number;
  typed: number;
  sqlite: number;
  integrity: number;
  silent: number;
  same: number;
  verify: number;
}

function runCell(dir: string, format: Format, mode: Mode): Row[] {
  const enc = encOf(format);
  const base = join(dir, `${format}-${mode}.db`);
  const donor = join(dir, `${format}-${mode}-donor.db`);
  const older = join(dir, `${format}-${mode}-older.db`);
  build(base, enc, mode, 0);
  build(donor, enc, mode, 5);
  copyFileSync(base, older); // the snapshot before the update: same database, older page versions
  update(base, enc);
  const hash = expected(base, enc);
  const pristine = readFileSync(base);
  const pages = info(base).pageCount;
  const donorPages = info(donor).pageCount;
  const changed: number[] = [];
  for (let i = 1; i <= pages; i++) if (!readPage(older, i, PAGE).equals(readPage(base, i, PAGE))) changed.push(i);
  const target = join(dir, `${format}-${mode}-case.db`);
  const rows: Row[] = [];
  for (const kind of KINDS) {
    const row: Row = { format, mode, kind, cases: 0, typed: 0, sqlite: 0, integrity: 0, silent: 0, same: 0, verify: 0 };
    for (let c = 0; c < CASES; c++) {
      writeFileSync(target, pristine);
      rmSync(target + '-wal', { force: true });
      rmSync(target + '-shm', { force: true });
      const a = 1 + rand(pages);
      let b = 1 + rand(pages - 1);
      if (b >= a) b++;
      if (kind === 'swap') {
        const pa = readPage(target, a, PAGE);
        writePage(target, a, readPage(target, b, PAGE));
        writePage(target, b, pa);
      } else if (kind === 'copy') writePage(target, b, readPage(target, a, PAGE));
      else if (kind === 'transplant') writePage(target, a, readPage(donor, 1 + rand(donorPages), PAGE));
      else {
        const page = changed[rand(changed.length)]!;
        writePage(target, page, readPage(older, page, PAGE));
      }
      const v: Verdict = judge(target, enc, hash);
      row.cases++;
      if (v === 'typed') row.typed++;
      else if (v === 'sqlite-corrupt') row.sqlite++;
      else if (v === 'integrity-only') row.integrity++;
      else if (v === 'silent-wrong') row.silent++;
      else row.same++;
      if (verifyFlags(target, enc)) row.verify++;
    }
    rows.push(row);
  }
  return rows;
}

function main(): number {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-fuzz-'));
  const rows: Row[] = [];
  const started = Date.now();
  try {
    for (const format of ['pageseal', 'turso'] as const) for (const mode of ['wal', 'delete'] as const) rows.push(...runCell(dir, format, mode));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = rows.filter((r) => r.format === 'pageseal' && r.kind !== 'rollback' && r.typed !== r.cases);
  if (JSON_OUT) console.log(JSON.stringify({ cases: CASES, seed: arg('--seed', 1), rows }, null, 1));
  else {
    const pct = (x: number, n: number) => `${x} (${((100 * x) / n).toFixed(1)}%)`;
    console.log(`page-attack fuzz: ${CASES} cases per class, seed ${arg('--seed', 1)}, aegis256, 4096-byte pages, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    console.log('| format | mode | attack | cases | typed error | SQLite error in a query | only integrity_check complains | silently wrong rows | no visible change | verify flags it |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.format} | ${r.mode} | ${r.kind} | ${r.cases} | ${pct(r.typed, r.cases)} | ${pct(r.sqlite, r.cases)} | ${pct(r.integrity, r.cases)} | ${pct(r.silent, r.cases)} | ${pct(r.same, r.cases)} | ${pct(r.verify, r.cases)} |`);
    }
    console.log(bad.length ? `\nFAIL: pageseal-format swaps/copies/transplants not all typed errors` : '\nok: every pageseal-format swap, copy and transplant was a typed error');
  }
  return bad.length ? 1 : 0;
}

process.exitCode = main();
