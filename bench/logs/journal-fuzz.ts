/**
 * Hot-journal fuzz (issue 10): a writer leaves a hot journal (bench/logs/child.ts, hot-journal), then each
 * case damages a copy of the journal (truncation anywhere, bit flips in the headers, in the record
 * headers, in the page images) and opens it with pageseal. A case passes when the open is refused with
 * both files unchanged, or opens with the committed state (a damage SQLite never reads, such as the
 * unused tail of a header sector). It fails when the open succeeds with any other state.
 *
 * Usage: npm run check:journal-fuzz -- [cases per cipher, default 600] [--seed N]
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type EncryptionOpts } from '../../src/index.js';
import { here, seeded, sha256, type Key } from './common.js';

const args = process.argv.slice(2);
const perCipher = Number(args.find((a) => /^\d+$/.test(a)) ?? 600);
const seedAt = args.indexOf('--seed');
const random = seeded(seedAt >= 0 ? Number(args[seedAt + 1]) : 1);
const pick = (n: number) => Math.floor(random() * n);
const dir = mkdtempSync(join(tmpdir(), 'pageseal-jfuzz-'));

type Kind = 'truncation' | 'header bit' | 'record header bit' | 'page image bit';
interface Tally {
  refused: number;
  refusedChanged: number;
  committed: number;
  notCommitted: number;
  otherError: number;
}
const tallies = new Map<string, Tally>();

function stateHash(path: string, key: Key): string {
  const db = open(path, { encryption: key as EncryptionOpts });
  try {
    if (db.pragma('integrity_check', { simple: true }) !== 'ok') return 'integrity';
    const rows = db.prepare('SELECT txn, v FROM r ORDER BY rowid').all();
    const txns = db.prepare('SELECT id, n FROM txns ORDER BY id').all();
    return createHash('sha256').update(JSON.stringify([rows, txns])).digest('hex');
  } finally {
    db.close();
  }
}

function makeBase(key: Key, rows: number): { path: string; committed: string } {
  const path = join(dir, `base-${key.cipher}.db`);
  const r = spawnSync(process.execPath, [join(here, 'child.js'), path, key.cipher, 'delete', 'hot-journal', String(rows)], {
    env: { ...process.env, PAGESEAL_HEXKEY: key.hexkey },
    encoding: 'utf8',
  });
  if (r.signal !== 'SIGKILL') throw new Error(`the writer did not leave a hot journal: ${r.stderr}`);
  const copy = join(dir, `committed-${key.cipher}.db`);
  copyFileSync(path, copy);
  copyFileSync(path + '-journal', copy + '-journal');
  return { path, committed: stateHash(copy, key) };
}

/** Byte ranges of the journal by role: headers, record headers (page number, checksum), page images. */
function layout(j: Buffer): { headers: [number, number][]; recordHeaders: number[]; images: [number, number][] } {
  const sector = j.readUInt32BE(20);
  const page = j.readUInt32BE(24);
  const headers: [number, number][] = [];
  const recordHeaders: number[] = [];
  const images: [number, number][] = [];
  for (let off = 0; off + sector <= j.length; ) {
    headers.push([off, off + sector]);
    const nRec = j.readUInt32BE(off + 8);
    let at = off + sector;
    for (let r = 0; r < nRec && at + page + 8 <= j.length; r++, at += page + 8) {
      for (let b = 0; b < 4; b++) recordHeaders.push(at + b, at + 4 + page + b);
      images.push([at + 4, at + 4 + page]);
    }
    off = Math.ceil(at / sector) * sector;
    if (off + 8 > j.length || j.readUInt32BE(off) !== 0xd9d505f9) break;
  }
  return { headers, recordHeaders, images };
}

function runCase(base: { path: string; committed: string }, key: Key, kind: Kind, n: number): void {
  const path = join(dir, `case-${n}.db`);
  copyFileSync(base.path, path);
  const j = readFileSync(base.path + '-journal');
  const l = layout(j);
  if (kind === 'truncation') {
    copyFileSync(base.path + '-journal', path + '-journal');
    truncateSync(path + '-journal', 1 + pick(j.length - 1)); // zero bytes is the empty journal TRUNCATE mode leaves
  } else {
    let at: number;
    if (kind === 'header bit') {
      const [a] = l.headers[pick(l.headers.length)]!;
      at = a + pick(132); // SQLite's fields and pageseal's tags; the rest of the sector is unused
    } else if (kind === 'record header bit') {
      at = l.recordHeaders[pick(l.recordHeaders.length)]!;
    } else {
      const [a, b] = l.images[pick(l.images.length)]!;
      at = a + pick(b - a);
    }
    j[at]! ^= 1 << pick(8);
    writeFileSync(path + '-journal', j);
  }
  const before = [sha256(path), sha256(path + '-journal')];
  const t = tallies.get(`${key.cipher}|${kind}`) ?? { refused: 0, refusedChanged: 0, committed: 0, notCommitted: 0, otherError: 0 };
  tallies.set(`${key.cipher}|${kind}`, t);
  let state: string | null = null;
  let err: unknown = null;
  try {
    state = stateHash(path, key);
  } catch (e) {
    err = e;
  }
  if (state !== null) {
    if (state === base.committed) t.committed++;
    else {
      t.notCommitted++;
      console.error(`NOT COMMITTED: ${key.cipher} ${kind} case ${n}`);
    }
  } else if (/hot journal .* not played back/.test((err as Error)?.message ?? '')) {
    const after = [sha256(path), sha256(path + '-journal')];
    if (after[0] === before[0] && after[1] === before[1]) t.refused++;
    else t.refusedChanged++;
  } else {
    t.otherError++;
    console.error(`other error: ${key.cipher} ${kind} case ${n}: ${(err as Error)?.message}`);
  }
  rmSync(path, { force: true });
  rmSync(path + '-journal', { force: true });
}

const KINDS: Kind[] = ['truncation', 'header bit', 'record header bit', 'page image bit'];
let n = 0;
// 600 base rows: a transaction that spills again and again (about ten journal segments, aegis256); 60: two
for (const [cipher, rows] of [['aegis256', 600], ['aes128gcm', 60]] as const) {
  const key = { cipher, hexkey: randomBytes(cipher === 'aes128gcm' ? 16 : 32).toString('hex') };
  const base = makeBase(key, rows);
  for (let i = 0; i < perCipher; i++) runCase(base, key, KINDS[i % KINDS.length]!, n++);
}

console.log('| cipher | damage | cases | refused, files unchanged | refused, files changed | opened: committed state | opened: NOT a committed state | other error |');
console.log('|---|---|---|---|---|---|---|---|');
let bad = 0;
let total = 0;
for (const [k, t] of tallies) {
  const [cipher, kind] = k.split('|');
  const cases = t.refused + t.refusedChanged + t.committed + t.notCommitted + t.otherError;
  total += cases;
  bad += t.notCommitted + t.refusedChanged + t.otherError;
  console.log(`| ${cipher} | ${kind} | ${cases} | ${t.refused} | ${t.refusedChanged} | ${t.committed} | ${t.notCommitted} | ${t.otherError} |`);
}
console.log(`\n${total} cases, ${bad} failures`);
rmSync(dir, { recursive: true, force: true });
process.exit(bad === 0 ? 0 : 1);
