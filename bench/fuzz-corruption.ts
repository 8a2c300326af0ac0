/**
 * Corruption fuzz (issue 7, "Done when"): damages copies of encrypted databases left by a writer
 * killed with SIGKILL (a live -wal and -shm in WAL mode, a hot rollback journal in rollback mode),
 * reads each one with pageseal in a child process under a timeout, and classifies what the reader
 * got: a crash, a hang, a typed pageseal error, an untyped SQLite error, the content of some
 * committed state, or content that is NOT a committed state (the failure this fuzz hunts).
 *
 * Damage generated: bit flips in the main file, in page 1's 100-byte header and in the -wal;
 * truncation of the main file and of the -wal; garbage appended to the main file and to the -wal;
 * a garbage -shm. Not generated: the classes SECURITY.md lists as undetectable in this format
 * (swapping, copying or rolling back whole pages; dropping the -wal's tail: a -wal truncation does
 * drop its tail, so its result may be an older committed state, which counts as committed), and
 * damage to the hot journal itself (issue 10).
 *
 * The committed states are computed by replaying the workload (bench/fuzz/workload.ts) into an
 * in-memory SQLite: states 1..n for a writer that acknowledged n commits; the table tells the latest
 * (n) from older ones (a -wal whose damaged frame ends the log there loses the commits after it: the
 * "-wal tail dropped" class). The empty database (state 0, before the first commit) counts as an
 * older state only for damage to the -wal; anywhere else a damaged file that reads as empty is a
 * wrong answer (e.g. a main file cut to nothing beside a live -wal).
 *
 * Every error must be a typed pageseal error naming the file (issue 7: bad input gets a clear, typed
 * error): an untyped one ("sqlite error", whatever step threw it, close() included) is listed with its
 * case, which is kept on disk, and the table's details give each typed error's code and the shape of its
 * message. Exit code 1 when a case crashed, hung, read a state that was never committed, or ended in an
 * untyped error.
 *
 * Usage: npm run fuzz:corruption -- [--cases 2000] [--jobs 2] [--timeout-ms 30000] [--seed N] [--keep DIR]
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { CIPHER_SPECS } from '../src/index.js';
import { commitTxn, stateDigest } from './fuzz/workload.js';

interface Options {
  cases: number;
  jobs: number;
  timeoutMs: number;
  seed: number;
  keep: string | null;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { cases: 2000, jobs: 2, timeoutMs: 30_000, seed: randomInt(1, 2 ** 31), keep: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--cases') o.cases = Number(v), i++;
    else if (a === '--jobs') o.jobs = Number(v), i++;
    else if (a === '--timeout-ms') o.timeoutMs = Number(v), i++;
    else if (a === '--seed') o.seed = Number(v), i++;
    else if (a === '--keep') o.keep = v!, i++;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// A small seeded PRNG (mulberry32), so a run can be repeated with --seed.
let prngState = 1;
function rand(): number {
  prngState = (prngState + 0x6d2b79f5) | 0;
  let t = prngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function below(n: number): number {
  return Math.floor(rand() * n);
}
function garbage(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = below(256);
  return b;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const WRITE_CHILD = join(HERE, 'fuzz', 'write-child.js');
const READ_CHILD = join(HERE, 'fuzz', 'read-child.js');

// ---------- base databases, left by a writer killed with SIGKILL ----------

interface Base {
  name: string;
  dir: string;
  path: string;
  cipher: string;
  hexkey: string;
  pageSize: number;
  mode: 'wal' | 'delete';
  committed: number;
}

const CIPHERS = ['aegis256', 'aes256gcm', 'aegis128x4', 'aes128gcm', 'aegis256x2', 'aegis128l'];
const PAGE_SIZES = [1024, 4096, 16384];

function runWriter(path: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITE_CHILD, path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let committed = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        const m = /^committed (\d+)$/.exec(line);
        if (m) committed = Number(m[1]);
      }
      if (out.includes('inside\n')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && out.includes('inside\n')) resolve(committed);
      else reject(new Error(`writer did not reach its kill point: ${err.slice(0, 500)}`));
    });
  });
}

async function makeBase(root: string, i: number, mode: 'wal' | 'delete'): Promise<Base> {
  const cipher = CIPHERS[i % CIPHERS.length]!;
  const pageSize = PAGE_SIZES[Math.floor(i / CIPHERS.length) % PAGE_SIZES.length]!;
  const spec = CIPHER_SPECS.find((s) => s.name === cipher)!;
  const hexkey = randomBytes(spec.keySize).toString('hex');
  const name = `${mode}-${cipher}-${pageSize}`;
  const dir = join(root, 'base', name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'db');
  const n = 4 + below(20);
  const autockpt = 20 + below(200);
  const committed = await runWriter(path, [cipher, hexkey, String(pageSize), mode, String(n), String(autockpt)]);
  const journal = path + '-journal';
  if (mode === 'delete' && !(existsSync(journal) && statSync(journal).size > 0 && readFileSync(journal)[0] !== 0)) {
    throw new Error(`${name}: no hot journal was left`);
  }
  if (mode === 'wal' && !(existsSync(path + '-wal') && statSync(path + '-wal').size > 0)) throw new Error(`${name}: no live -wal was left`);
  return { name, dir, path, cipher, hexkey, pageSize, mode, committed };
}

/** Digests of committed states 1..n (replayed into an in-memory plain SQLite). */
function committedDigests(max: number): string[] {
  const db = new BetterSqlite3(':memory:');
  const out: string[] = [];
  for (let k = 1; k <= max; k++) {
    commitTxn(db, k);
    out.push(stateDigest(db));
  }
  db.close();
  return out;
}

// ---------- damage ----------

type Damage = (b: Base, path: string) => string;

function flip(file: string, from: number, to: number): string {
  const size = statSync(file).size;
  const hi = Math.min(to, size);
  if (hi <= from) return 'nothing to flip';
  const at = from + below(hi - from);
  const buf = readFileSync(file);
  const bit = 1 << below(8);
  buf[at]! ^= bit;
  writeFileSync(file, buf);
  return `offset ${at} bit ${bit}`;
}

function cut(file: string): string {
  const size = statSync(file).size;
  // Half the cuts at a page or frame boundary, half anywhere.
  const len = below(size);
  truncateSync(file, len);
  return `to ${len} of ${size}`;
}

function cutPages(file: string, pageSize: number): string {
  const pages = Math.floor(statSync(file).size / pageSize);
  const keep = pages > 1 ? 1 + below(pages - 1) : 0;
  truncateSync(file, keep * pageSize);
  return `to ${keep} of ${pages} pages`;
}

function append(file: string, unit: number): string {
  const n = rand() < 0.5 ? unit * (1 + below(3)) : 1 + below(unit * 2);
  appendFileSync(file, garbage(n));
  return `${n} bytes`;
}

const DAMAGES: Record<string, { modes: Array<'wal' | 'delete'>; weight: number; apply: Damage }> = {
  'main: bit flip': { modes: ['wal', 'delete'], weight: 4, apply: (b, p) => flip(p, 100, Infinity) },
  'page 1 header: bit flip': { modes: ['wal', 'delete'], weight: 3, apply: (b, p) => flip(p, 0, 100) },
  'main: truncated': { modes: ['wal', 'delete'], weight: 2, apply: (b, p) => cut(p) },
  'main: cut at a page boundary': { modes: ['wal', 'delete'], weight: 1, apply: (b, p) => cutPages(p, b.pageSize) },
  'main: truncated to 0 bytes': { modes: ['wal', 'delete'], weight: 1, apply: (b, p) => (truncateSync(p, 0), 'to 0') },
  'main: garbage appended': { modes: ['wal', 'delete'], weight: 2, apply: (b, p) => append(p, b.pageSize) },
  '-wal: bit flip': { modes: ['wal'], weight: 4, apply: (b, p) => flip(p + '-wal', 0, Infinity) },
  '-wal: truncated': { modes: ['wal'], weight: 2, apply: (b, p) => cut(p + '-wal') },
  '-wal: garbage appended': { modes: ['wal'], weight: 2, apply: (b, p) => append(p + '-wal', b.pageSize + 24) },
  '-shm: garbage': { modes: ['wal'], weight: 2, apply: (b, p) => (writeFileSync(p + '-shm', garbage(32768)), '32768 bytes') },
  'none (control)': { modes: ['wal', 'delete'], weight: 1, apply: () => '' },
};

function pickDamage(mode: 'wal' | 'delete'): string {
  const names = Object.keys(DAMAGES).filter((n) => DAMAGES[n]!.modes.includes(mode));
  const total = names.reduce((s, n) => s + DAMAGES[n]!.weight, 0);
  let r = rand() * total;
  for (const n of names) {
    r -= DAMAGES[n]!.weight;
    if (r < 0) return n;
  }
  return names[names.length - 1]!;
}

// ---------- reading ----------

type Outcome = 'crash' | 'hang' | 'typed error' | 'sqlite error' | 'latest committed' | 'older committed' | 'NOT COMMITTED';

interface CaseResult {
  outcome: Outcome;
  detail: string;
}

function readCase(path: string, b: Base, timeoutMs: number, digests: Set<string>, latest: string): Promise<CaseResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [READ_CHILD, path, b.cipher, b.hexkey], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (hung) return resolve({ outcome: 'hang', detail: `over ${timeoutMs} ms` });
      type Err = { kind: string; code?: string; stage?: string; message?: string };
      let r: (Err & { digest?: string; check?: string; close?: Err }) | null = null;
      try {
        r = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        r = null;
      }
      if (code !== 0 || signal || !r) return resolve({ outcome: 'crash', detail: `exit ${code} ${signal ?? ''} ${err.slice(0, 300)}` });
      if (r.kind === 'typed') {
        // A typed error must say which file: the path given, or the canonical one the VFS reports.
        const message = String(r.message);
        const files = [realpathSync(path), path];
        const named = files.some((p) => message.includes(p));
        // The message's shape (file and numbers elided, up to its first colon) tells the failure apart.
        const shape = files.reduce((m, p) => m.split(p).join('<file>'), message).replace(/\d+/g, 'N').split(/[:,]/)[0];
        return resolve({ outcome: 'typed error', detail: `${String(r.code)} (${named ? shape : 'the message does not name the file'})` });
      }
      // An untyped error is one whatever step threw it, close() (its checkpoint) after a complete read included.
      const untyped = r.kind === 'error' ? r : r.close?.kind === 'error' ? r.close : null;
      if (untyped) return resolve({ outcome: 'sqlite error', detail: `${String(untyped.code)}, at ${untyped.stage}: ${String(untyped.message)}` });
      if (digests.has(r.digest!)) {
        const what = (r.digest === 'no-table' ? 'empty (state 0)' : 'ok') + (r.close ? ` (close: ${String(r.close.code)})` : '');
        const outcome = r.digest === latest ? 'latest committed' : 'older committed';
        return resolve({ outcome, detail: r.check === 'ok' ? what : `quick_check: ${String(r.check).slice(0, 80)}` });
      }
      resolve({ outcome: 'NOT COMMITTED', detail: `${r.digest === 'no-table' ? 'empty database' : 'digest ' + r.digest!.slice(0, 12)}, quick_check: ${String(r.check).slice(0, 80)}` });
    });
  });
}

// ---------- main ----------

const OUTCOMES: Outcome[] = ['crash', 'hang', 'typed error', 'sqlite error', 'latest committed', 'older committed', 'NOT COMMITTED'];

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  prngState = o.seed;
  const root = o.keep ?? mkdtempSync(join(tmpdir(), 'pageseal-fuzz-'));
  const t0 = Date.now();
  console.log(`corruption fuzz: ${o.cases} cases, seed ${o.seed}, ${o.jobs} jobs, timeout ${o.timeoutMs} ms, in ${root}`);

  const bases: Base[] = [];
  const perMode = CIPHERS.length * PAGE_SIZES.length;
  for (const mode of ['wal', 'delete'] as const) for (let i = 0; i < perMode; i++) bases.push(await makeBase(root, i, mode));
  const maxCommitted = Math.max(...bases.map((b) => b.committed));
  const all = committedDigests(maxCommitted);
  console.log(`${bases.length} base databases (writer killed mid-transaction), ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const table = new Map<string, Map<Outcome, number>>();
  const details = new Map<string, Map<string, number>>();
  const wrong: string[] = [];
  const untyped: string[] = []; // an error that is not a typed pageseal error: its case is kept too
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= o.cases) return;
      const b = bases[i % bases.length]!;
      const damage = pickDamage(b.mode);
      const caseDir = join(root, 'cases', String(i));
      cpSync(b.dir, caseDir, { recursive: true });
      const path = join(caseDir, 'db');
      const how = DAMAGES[damage]!.apply(b, path);
      const states = new Set(all.slice(0, b.committed));
      if (damage.startsWith('-wal')) states.add('no-table');
      const r = await readCase(path, b, o.timeoutMs, states, all[b.committed - 1]!);
      const row = `${b.mode === 'wal' ? 'WAL' : 'rollback'} | ${damage}`;
      if (!table.has(row)) table.set(row, new Map());
      table.get(row)!.set(r.outcome, (table.get(row)!.get(r.outcome) ?? 0) + 1);
      const dk = `${r.outcome}: ${r.detail.split(',')[0]}`;
      if (!details.has(row)) details.set(row, new Map());
      details.get(row)!.set(dk, (details.get(row)!.get(dk) ?? 0) + 1);
      const line = `case ${i}: ${b.name} (${b.committed} commits), ${damage} ${how}: ${r.outcome}: ${r.detail}`;
      if (r.outcome === 'NOT COMMITTED' || r.outcome === 'crash' || r.outcome === 'hang') wrong.push(line);
      else if (r.outcome === 'sqlite error') untyped.push(line);
      else if (!o.keep) rmSync(caseDir, { recursive: true, force: true });
      if (++done % 100 === 0) process.stderr.write(`  ${done}/${o.cases} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
  await Promise.all(Array.from({ length: o.jobs }, worker));

  const header = ['mode', 'damage', 'cases', ...OUTCOMES];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  const totals = new Map<Outcome, number>();
  for (const row of [...table.keys()].sort()) {
    const m = table.get(row)!;
    const n = [...m.values()].reduce((s, x) => s + x, 0);
    for (const oc of OUTCOMES) totals.set(oc, (totals.get(oc) ?? 0) + (m.get(oc) ?? 0));
    lines.push(`| ${row} | ${n} | ${OUTCOMES.map((oc) => m.get(oc) ?? 0).join(' | ')} |`);
  }
  lines.push(`| **total** | ${done} | ${OUTCOMES.map((oc) => totals.get(oc) ?? 0).join(' | ')} |`);
  console.log('\n' + lines.join('\n'));
  console.log('\nErrors and results by kind:');
  for (const row of [...details.keys()].sort()) {
    console.log(`  ${row}: ${[...details.get(row)!.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} x${v}`).join('; ')}`);
  }
  if (wrong.length) {
    console.log(`\n${wrong.length} cases that crashed, hung or read a state that was never committed (files kept under ${root}/cases):`);
    for (const w of wrong.slice(0, 40)) console.log('  ' + w);
    if (wrong.length > 40) console.log(`  ... ${wrong.length - 40} more`);
  }
  if (untyped.length) {
    console.log(`\n${untyped.length} cases that ended in an untyped error (files kept under ${root}/cases):`);
    for (const u of untyped.slice(0, 100)) console.log('  ' + u);
    if (untyped.length > 100) console.log(`  ... ${untyped.length - 100} more`);
  }
  console.log(`\n${done} cases in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (!o.keep && wrong.length + untyped.length === 0) rmSync(root, { recursive: true, force: true });
  const failed = ['NOT COMMITTED', 'crash', 'hang', 'sqlite error'] as const;
  process.exitCode = failed.reduce((s, oc) => s + (totals.get(oc) ?? 0), 0) > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
