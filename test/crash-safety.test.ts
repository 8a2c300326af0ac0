/**
 * Crash safety of encrypted databases: "nothing committed is ever lost, whatever fails (a killed
 * process, a full disk, a torn write); a wrong key never writes to the file".
 *
 * A child process (test/helpers/crash-child.ts) opens the database with open() and runs the workload
 * of test/helpers/crash-workload.ts, printing `committed <id>` after each commit returned. After it
 * is killed (SIGKILL at seeded random moments), runs out of file space (a file-size limit), or its
 * files are torn on purpose, the database is reopened with open() and must show: integrity_check ok,
 * every transaction the child reported, no transaction in part, and a clean offline verifyFile.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { open, install, explainError, parseWalHeader, AuthenticationError, FormatError, verifyFile, decryptFile, type Database } from '../src/index.js';
import { parseFrameHeader, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE } from '../src/format/wal.js';
import { scratchDir, sha256File, sizeOf, randomHexKey } from './helpers/files.js';
import { smallTxn, writeBase } from './helpers/crash-workload.js';
import type { CipherName } from '../src/ciphers/types.js';

interface Key {
  cipher: CipherName;
  hexkey: string;
}

const KEYS: Record<string, Key> = {
  aegis256: { cipher: 'aegis256', hexkey: randomHexKey(32) },
  aes256gcm: { cipher: 'aes256gcm', hexkey: randomHexKey(32) },
};
const BASE_ROWS = 300;
/** The rollback journal's magic (https://www.sqlite.org/fileformat2.html, "The Rollback Journal"). */
const JOURNAL_MAGIC = Buffer.from('d9d505f920a163d7', 'hex');

let scratch: ReturnType<typeof scratchDir>;
let counter = 0;
beforeAll(() => {
  scratch = scratchDir('pageseal-crash-');
});
afterAll(() => scratch.cleanup());

function freshPath(): string {
  return join(scratch.dir, `db${++counter}.db`);
}

/** mulberry32: a small seeded generator, so kill moments differ per round but not per run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A database with the base content (transaction 0) in `mode`, closed. */
function createBase(path: string, key: Key, mode: 'wal' | 'delete'): void {
  const db = open(path, { encryption: key });
  db.pragma(`journal_mode = ${mode}`);
  writeBase(db, BASE_ROWS);
  db.close();
}

// ---- the child process ----

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

interface Child {
  lines: string[];
  /** Resolves with the first line (seen so far or later) that matches; rejects if the child exits first. */
  waitLine(match: RegExp, timeoutMs?: number): Promise<string>;
  kill(): Promise<Exit>;
  exited: Promise<Exit>;
}

/**
 * Starts crash-child.ts through vite-node (as the API tests run child-db.ts). With `fileLimitKiB`
 * it runs under `ulimit -f`, with SIGXFSZ ignored (an ignored signal stays ignored across exec), so
 * a write past the limit fails with EFBIG instead of killing the process.
 */
function startChild(path: string, key: Key, scenario: string, arg = '', fileLimitKiB?: number): Child {
  const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
  const script = join(process.cwd(), 'test', 'helpers', 'crash-child.ts');
  const argv = [process.execPath, viteNode, script, path, key.cipher, scenario, arg];
  const [cmd, ...args] = fileLimitKiB === undefined ? argv : ['bash', '-c', `trap '' XFSZ; ulimit -f ${fileLimitKiB}; exec "$@"`, 'bash', ...argv];
  const proc = spawn(cmd!, args, { env: { ...process.env, PAGESEAL_TEST_HEXKEY: key.hexkey }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  proc.stderr.on('data', (d: Buffer) => (stderr += d));
  let running = true;
  const exited = new Promise<Exit>((resolve) =>
    proc.on('close', (code, signal) => {
      running = false;
      for (const w of waiters) w();
      resolve({ code, signal, stderr });
    }),
  );
  function waitLine(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(() => reject(new Error(`no line ${match} within ${timeoutMs} ms`))), timeoutMs);
      const done = (then: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      const check = () => {
        const line = lines.find((l) => match.test(l));
        if (line !== undefined) done(() => resolve(line));
        else if (!running) done(() => reject(new Error(`child exited before ${match}: ${stderr}`)));
      };
      waiters.add(check);
      check();
    });
  }
  return {
    lines,
    waitLine,
    exited,
    kill: () => {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}

function committedIds(lines: readonly string[]): number[] {
  return lines.flatMap((l) => /^committed (\d+)$/.exec(l)?.slice(1).map(Number) ?? []);
}

// ---- what a user checks after a crash ----

/**
 * Reopens with open() and checks the workload's invariants; returns the transaction ids present.
 * Every id in `mustHave` must be there, and no transaction may be visible in part.
 */
function checkDatabase(path: string, key: Key, mustHave: readonly number[]): number[] {
  const db = open(path, { encryption: key });
  let ids: number[];
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    ids = db.prepare('SELECT id FROM txns ORDER BY id').pluck().all() as number[];
    expect(ids, 'transaction ids are 0..max without gaps').toEqual(ids.map((_, i) => i));
    const present = new Set(ids);
    expect(mustHave.filter((id) => !present.has(id)), 'reported commits missing').toEqual([]);
    expectWhole(db);
  } finally {
    db.close();
  }
  expect(isHotJournal(`${path}-journal`), 'a hot journal left after recovery').toBe(false);
  const verified = verifyFile(path, key);
  expect(verified.failures).toEqual([]);
  expect(verified.ok).toBe(true);
  return ids;
}

/**
 * A rollback journal that SQLite would play back: it starts with the journal magic. SQLite writes
 * the magic only when it syncs the journal before changing the database file; a journal without it
 * (killed before that point) is left in place by SQLite and ignored, which is correct.
 */
function isHotJournal(path: string): boolean {
  return sizeOf(path) >= 8 && readFileSync(path).subarray(0, 8).equals(JOURNAL_MAGIC);
}

/** No transaction visible in part (see crash-workload.ts). */
function expectWhole(db: Database): void {
  const one = (sql: string) => db.prepare(sql).pluck().get();
  expect(one('SELECT count(*) FROM t WHERE txn NOT IN (SELECT id FROM txns)'), 'rows of an uncommitted transaction').toBe(0);
  expect(one('SELECT count(*) FROM txns x WHERE nrows != (SELECT count(*) FROM t WHERE t.txn = x.id)'), 'transactions with missing rows').toBe(0);
  expect(one('SELECT count(*) FROM t WHERE gen != (SELECT gen FROM state)'), 'rows not rewritten by a big transaction').toBe(0);
  expect(one('SELECT gen FROM state')).toBe(one("SELECT count(*) FROM txns WHERE kind = 'big'"));
  expect(one('SELECT count(*) FROM t WHERE txn = 0')).toBe(BASE_ROWS);
}

/** A digest of the whole logical content (every table, every byte). */
function contentDigest(path: string, key: Key): string {
  const db = open(path, { encryption: key });
  try {
    const parts = ['SELECT * FROM state', 'SELECT * FROM txns ORDER BY id', 'SELECT id, txn, gen, hex(pad) FROM t ORDER BY id'];
    return JSON.stringify(parts.map((sql) => db.prepare(sql).raw().all()));
  } finally {
    db.close();
  }
}

/** Copies a database and its side files (a crashed state) to a fresh path; returns the new path. */
function copyState(path: string): string {
  const to = freshPath();
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    if (existsSync(path + suffix)) copyFileSync(path + suffix, to + suffix);
  }
  return to;
}

function overwrite(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

// ---- 1. a killed process ----

type Trigger = 'commits' | 'checkpoint' | 'big';

interface RoundResult {
  trigger: Trigger;
  reported: number;
  inCheckpoint: boolean;
  inBig: boolean;
  hotJournal: boolean;
}

/** One round: start the loop child, SIGKILL it at the seeded moment, check the database. */
async function killRound(path: string, key: Key, trigger: Trigger, rnd: () => number): Promise<RoundResult> {
  const child = startChild(path, key, 'loop');
  const first = Number((await child.waitLine(/^(committed|big|checkpoint) /)).split(' ')[1]);
  if (trigger === 'commits') {
    await child.waitLine(new RegExp(`^committed ${first + 2 + Math.floor(rnd() * 12)}$`));
    await sleep(rnd() * 8);
  } else {
    await child.waitLine(new RegExp(`^${trigger} `));
    await sleep(rnd() * (trigger === 'big' ? 25 : 2));
  }
  const exit = await child.kill();
  expect(exit.signal, exit.stderr).toBe('SIGKILL');
  const lines = child.lines;
  const started = (kind: string) => lines.filter((l) => l.startsWith(kind + ' ')).map((l) => l.split(' ')[1]);
  const result: RoundResult = {
    trigger,
    reported: committedIds(lines).length,
    inCheckpoint: started('checkpoint').some((id) => !lines.includes(`checkpointed ${id}`)),
    inBig: started('big').some((id) => !lines.includes(`committed ${id}`)),
    hotJournal: isHotJournal(`${path}-journal`),
  };
  checkDatabase(path, key, committedIds(lines));
  return result;
}

describe('a killed process loses nothing it committed', () => {
  const combos = [
    { mode: 'wal', cipher: 'aegis256', seed: 11 },
    { mode: 'wal', cipher: 'aes256gcm', seed: 12 },
    { mode: 'delete', cipher: 'aegis256', seed: 13 },
    { mode: 'delete', cipher: 'aes256gcm', seed: 14 },
  ] as const;

  it.each(combos)('$mode mode, $cipher: SIGKILL at seeded random moments, during checkpoints and big spilling transactions', async ({ mode, cipher, seed }) => {
    const key = KEYS[cipher]!;
    const path = freshPath();
    createBase(path, key, mode);
    const rnd = seeded(seed);
    const triggers: Trigger[] = mode === 'wal' ? ['commits', 'checkpoint', 'big', 'checkpoint'] : ['commits', 'big', 'big', 'commits'];
    const results: RoundResult[] = [];
    for (const trigger of triggers) results.push(await killRound(path, key, trigger, rnd));
    // How the kills landed (informative: the invariants above hold wherever they land).
    console.log(`${mode}/${cipher}: ${JSON.stringify(results)}`);
    expect(results.reduce((n, r) => n + r.reported, 0)).toBeGreaterThan(0);
  });
});

// ---- 2. a full disk ----

describe('a full disk (writes failing with EFBIG under a file-size limit)', () => {
  const combos = [
    { mode: 'wal', cipher: 'aegis256' },
    { mode: 'delete', cipher: 'aes256gcm' },
  ] as const;

  it.each(combos)('$mode mode, $cipher: the failing transactions throw, earlier commits survive, the database reopens clean', async ({ mode, cipher }) => {
    const key = KEYS[cipher]!;
    const path = freshPath();
    createBase(path, key, mode);
    const limitKiB = Math.ceil(sizeOf(path) / 1024) + 160;
    const child = startChild(path, key, 'fill', '3000', limitKiB);
    const exit = await child.exited;
    expect(exit.signal, exit.stderr).toBe(null);
    expect(exit.code, exit.stderr).toBe(0);
    const failed = child.lines.filter((l) => l.startsWith('failed '));
    expect(failed).toHaveLength(4);
    for (const line of failed) expect(line).toMatch(/^failed \d+ SQLITE_(FULL|IOERR\w*)$/);
    expect(child.lines.at(-1)).toBe('exit');
    const reported = committedIds(child.lines);
    expect(reported.length).toBeGreaterThan(3);
    const ids = checkDatabase(path, key, reported);
    expect(ids.at(-1)).toBe(reported.at(-1));
    // Without the limit, the transaction that failed commits: it failed for lack of space only.
    const failedId = Number(failed[0]!.split(' ')[1]);
    const db = open(path, { encryption: key });
    smallTxn(db, failedId, 3000);
    db.close();
    checkDatabase(path, key, [...reported, failedId]);
  });
});

// ---- 3. torn writes ----

interface WalFrameAt {
  offset: number;
  pageNumber: number;
  commitSize: number;
}

/** The frames of the current generation of a -wal (those carrying the header's salts). */
function walFrames(walPath: string): { pageSize: number; frames: WalFrameAt[] } {
  const bytes = readFileSync(walPath);
  const header = parseWalHeader(bytes.subarray(0, WAL_HEADER_SIZE));
  if (!header) throw new Error(`${walPath} has no valid WAL header`);
  const frames: WalFrameAt[] = [];
  const frameSize = WAL_FRAME_HEADER_SIZE + header.pageSize;
  for (let at = WAL_HEADER_SIZE; at + frameSize <= bytes.length; at += frameSize) {
    const fh = parseFrameHeader(bytes.subarray(at, at + WAL_FRAME_HEADER_SIZE));
    if (fh.salt1 !== header.salt1 || fh.salt2 !== header.salt2) break;
    frames.push({ offset: at, pageNumber: fh.pageNumber, commitSize: fh.commitSize });
  }
  return { pageSize: header.pageSize, frames };
}

interface Crashed {
  path: string;
  key: Key;
  reported: number[];
}

/** A WAL database whose writer was killed with `n` committed transactions in its -wal only. */
async function killedWithWal(cipher: string, n: number): Promise<Crashed> {
  const key = KEYS[cipher]!;
  const path = freshPath();
  createBase(path, key, 'wal');
  const child = startChild(path, key, 'hold-wal', String(n));
  await child.waitLine(/^holding$/);
  await child.kill();
  const reported = committedIds(child.lines);
  expect(reported).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const { frames } = walFrames(`${path}-wal`);
  expect(frames.filter((f) => f.commitSize > 0), 'one commit frame per transaction').toHaveLength(n);
  return { path, key, reported };
}

describe('torn writes', () => {
  it.each(['aegis256', 'aes256gcm'])('%s: a -wal torn in its last transaction yields exactly the transactions before it', async (cipher) => {
    const crashed = await killedWithWal(cipher, 6);
    const { pageSize, frames } = walFrames(`${crashed.path}-wal`);
    const last = frames.at(-1)!;
    const commits = frames.filter((f) => f.commitSize > 0);
    const lastTxnFirst = frames[frames.indexOf(commits.at(-2)!) + 1]!;
    const frameEnd = last.offset + WAL_FRAME_HEADER_SIZE + pageSize;
    const damages: Record<string, (wal: string) => void> = {
      'cut in the middle of the last frame': (wal) => truncateSync(wal, last.offset + WAL_FRAME_HEADER_SIZE + pageSize / 2 + 3),
      'cut inside the last frame header': (wal) => truncateSync(wal, last.offset + 10),
      'garbage over the tail of the last frame (nonce and tag)': (wal) => overwrite(wal, frameEnd - 40, randomBytes(40)),
      'garbage inside the first frame of the last transaction': (wal) => overwrite(wal, lastTxnFirst.offset + WAL_FRAME_HEADER_SIZE + 700, randomBytes(64)),
    };
    const all = [0, ...crashed.reported];
    expect(checkDatabase(copyState(crashed.path), crashed.key, crashed.reported), 'untouched copy').toEqual(all);
    for (const [name, damage] of Object.entries(damages)) {
      const path = copyState(crashed.path);
      damage(`${path}-wal`);
      expect(checkDatabase(path, crashed.key, crashed.reported.slice(0, -1)), name).toEqual(all.slice(0, -1));
    }
  });

  it('database pages torn by a checkpoint (page 1 included) are restored from the -wal', async () => {
    const crashed = await killedWithWal('aegis256', 6);
    const { pageSize, frames } = walFrames(`${crashed.path}-wal`);
    const wal = readFileSync(`${crashed.path}-wal`);
    const dbPages = sizeOf(crashed.path) / pageSize;
    const torn = [1, frames.find((f) => f.pageNumber > 1 && f.pageNumber <= dbPages)!.pageNumber];
    for (const pageNumber of torn) {
      const path = copyState(crashed.path);
      const latest = frames.filter((f) => f.pageNumber === pageNumber).at(-1)!;
      const start = latest.offset + WAL_FRAME_HEADER_SIZE;
      // A torn write: the first half of the new page landed, the second half is still the old one.
      overwrite(path, (pageNumber - 1) * pageSize, wal.subarray(start, start + pageSize / 2));
      expect(checkDatabase(path, crashed.key, crashed.reported), `page ${pageNumber} torn`).toEqual([0, ...crashed.reported]);
    }
  });

  it('a checkpoint killed after it rewrote page 1 (the file shorter than its header says) is recovered by open()', async () => {
    const crashed = await killedWithWal('aes256gcm', 6);
    const path = copyState(crashed.path);
    const { pageSize, frames } = walFrames(`${path}-wal`);
    const page1 = frames.filter((f) => f.pageNumber === 1).at(-1)!;
    const stored = readFileSync(`${path}-wal`).subarray(page1.offset + WAL_FRAME_HEADER_SIZE, page1.offset + WAL_FRAME_HEADER_SIZE + pageSize);
    // A checkpoint copies frames in page order: page 1 first (the WAL's pages are in the database's format).
    overwrite(path, 0, stored);
    expect(stored.readUInt32BE(28), 'the header declares pages the file does not have yet').toBeGreaterThan(sizeOf(path) / pageSize);
    expect(checkDatabase(path, crashed.key, crashed.reported)).toEqual([0, ...crashed.reported]);
  });

  it('the offline tools read such a database before any open(): verify passes, decrypt yields every commit', async () => {
    const crashed = await killedWithWal('aegis256', 6);
    const path = copyState(crashed.path);
    const { pageSize, frames } = walFrames(`${path}-wal`);
    const page1 = frames.filter((f) => f.pageNumber === 1).at(-1)!;
    overwrite(path, 0, readFileSync(`${path}-wal`).subarray(page1.offset + WAL_FRAME_HEADER_SIZE, page1.offset + WAL_FRAME_HEADER_SIZE + pageSize));
    const before = [sha256File(path), sha256File(`${path}-wal`)];
    const verified = verifyFile(path, crashed.key);
    expect(verified.failures).toEqual([]);
    expect(verified.ok).toBe(true);
    const plain = `${path}.plain`;
    decryptFile(path, plain, crashed.key);
    const db = new BetterSqlite3(plain, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = db.prepare('SELECT id FROM txns ORDER BY id').pluck().all() as number[];
      expect(ids).toEqual(ids.map((_, i) => i));
      expect(crashed.reported.filter((id) => !ids.includes(id))).toEqual([]);
    } finally {
      db.close();
    }
    expect([sha256File(path), sha256File(`${path}-wal`)], 'the tools never modify their input').toEqual(before);
  });
});

// ---- 3b. a hot rollback journal ----

interface JournalLayout {
  pageSize: number;
  /** Records SQLite synced before changing the database file (counted in a header's nRec). */
  synced: number;
  /** Their page numbers. */
  syncedPages: number[];
  /** File offsets of the records after the last synced header (written, never synced, never played back). */
  unsynced: number[];
}

/**
 * Walks a rollback journal (facts from https://www.sqlite.org/fileformat2.html and SQLite's pager):
 * each segment has a header of one sector (magic, nRec, checksum seed, original page count, sector
 * size, page size) and nRec records of page number + page + checksum. SQLite writes a segment's
 * header with a zero magic and fills in magic and nRec when it syncs the journal, right before it
 * writes pages into the database file; the records of the last, unsynced segment are never read.
 */
function journalLayout(path: string): JournalLayout {
  const bytes = readFileSync(path);
  const sector = bytes.readUInt32BE(20);
  const pageSize = bytes.readUInt32BE(24);
  const record = pageSize + 8;
  const syncedPages: number[] = [];
  let at = 0;
  while (at + 28 <= bytes.length && bytes.subarray(at, at + 8).equals(JOURNAL_MAGIC)) {
    const nRec = bytes.readUInt32BE(at + 8);
    for (let i = 0; i < nRec; i++) syncedPages.push(bytes.readUInt32BE(at + sector + i * record));
    at = Math.ceil((at + sector + nRec * record) / sector) * sector;
  }
  const unsynced: number[] = [];
  for (let r = at + sector; r + record <= bytes.length; r += record) unsynced.push(r);
  return { pageSize, synced: syncedPages.length, syncedPages, unsynced };
}

/** A rollback-mode database killed inside a big transaction that already spilled pages into the file. */
async function killedWithHotJournal(cipher: string): Promise<Crashed & { before: string }> {
  const key = KEYS[cipher]!;
  const path = freshPath();
  createBase(path, key, 'delete');
  const before = contentDigest(path, key);
  const sizeBefore = sizeOf(path);
  const child = startChild(path, key, 'hold-journal');
  await child.waitLine(/^holding \d+$/);
  await child.kill();
  expect(isHotJournal(`${path}-journal`)).toBe(true);
  const layout = journalLayout(`${path}-journal`);
  expect(layout.synced, 'pages were written into the database file mid-transaction').toBeGreaterThan(0);
  expect(sizeOf(path)).toBeGreaterThanOrEqual(sizeBefore);
  return { path, key, reported: [], before };
}

describe('a hot rollback journal', () => {
  it.each(['aegis256', 'aes256gcm'])('%s: a kill mid-transaction rolls back to the last commit, also with its last journal record torn', async (cipher) => {
    const crashed = await killedWithHotJournal(cipher);
    const { pageSize, unsynced } = journalLayout(`${crashed.path}-journal`);
    expect(unsynced.length, 'records written after the last sync').toBeGreaterThan(0);
    const last = unsynced.at(-1)!;
    const damages: Record<string, (journal: string) => void> = {
      untouched: () => {},
      'cut in the middle of the last record': (journal) => truncateSync(journal, last + 4 + pageSize / 2 + 1),
      'garbage over the tail of the last record': (journal) => overwrite(journal, last + pageSize + 8 - 48, randomBytes(48)),
    };
    for (const [name, damage] of Object.entries(damages)) {
      const path = copyState(crashed.path);
      damage(`${path}-journal`);
      expect(checkDatabase(path, crashed.key, []), name).toEqual([0]);
      expect(contentDigest(path, crashed.key), name).toBe(crashed.before);
    }
  });

  it('database pages torn while written mid-transaction (page 1 included) are restored from the hot journal', async () => {
    const crashed = await killedWithHotJournal('aegis256');
    const { pageSize, syncedPages } = journalLayout(`${crashed.path}-journal`);
    // SQLite writes a page into the database file only once its journal record is synced.
    expect(syncedPages, 'page 1 is journaled and synced').toContain(1);
    for (const pageNumber of [1, syncedPages.find((p) => p > 1)!]) {
      const path = copyState(crashed.path);
      overwrite(path, (pageNumber - 1) * pageSize + pageSize / 2, randomBytes(pageSize / 2));
      expect(checkDatabase(path, crashed.key, []), `page ${pageNumber} torn`).toEqual([0]);
      expect(contentDigest(path, crashed.key), `page ${pageNumber} torn`).toBe(crashed.before);
    }
  });
});

// ---- 4. a wrong key never writes ----

function hashes(path: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const suffix of ['', '-wal', '-journal']) out[suffix || 'db'] = existsSync(path + suffix) ? sha256File(path + suffix) : null;
  return out;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/**
 * Tries every wrong way in: another key (open() and the PRAGMA path) and another cipher. Each must
 * fail with the typed error and leave the database, -wal and -journal byte for byte unchanged.
 */
function expectWrongKeysWriteNothing(path: string, key: Key): void {
  const before = hashes(path);
  const otherKey = { cipher: key.cipher, hexkey: randomHexKey(32) };
  const err = thrown(() => open(path, { encryption: otherKey }));
  expect(err).toBeInstanceOf(AuthenticationError);
  expect((err as AuthenticationError).code).toBe('AUTHENTICATION_FAILED');
  expect(hashes(path), 'after open() with a wrong key').toEqual(before);

  const otherCipher: Key = { cipher: key.cipher === 'aegis256' ? 'aes256gcm' : 'aegis256', hexkey: key.hexkey };
  const mismatch = thrown(() => open(path, { encryption: otherCipher }));
  expect(mismatch).toBeInstanceOf(FormatError);
  expect((mismatch as FormatError).code).toBe('CIPHER_MISMATCH');
  expect(hashes(path), 'after open() with another cipher').toEqual(before);

  install();
  const raw = new BetterSqlite3(path);
  try {
    raw.pragma(`cipher = '${key.cipher}'`);
    raw.pragma(`hexkey = '${otherKey.hexkey}'`);
    const viaPragma = explainError(thrown(() => raw.prepare('SELECT count(*) FROM txns').get()), path);
    expect(viaPragma).toBeInstanceOf(AuthenticationError);
    expect((viaPragma as AuthenticationError).pageNumber).toBe(1);
  } finally {
    raw.close();
  }
  expect(hashes(path), 'after PRAGMA hexkey with a wrong key').toEqual(before);
}

describe('a wrong key after a crash', () => {
  it('leaves a -wal with committed frames untouched, then the right key recovers every commit', async () => {
    const crashed = await killedWithWal('aegis256', 5);
    expect(sizeOf(`${crashed.path}-wal`)).toBeGreaterThan(0);
    expectWrongKeysWriteNothing(crashed.path, crashed.key);
    expect(checkDatabase(crashed.path, crashed.key, crashed.reported)).toEqual([0, ...crashed.reported]);
  });

  it('leaves a hot journal untouched, then the right key rolls it back', async () => {
    const crashed = await killedWithHotJournal('aes256gcm');
    expectWrongKeysWriteNothing(crashed.path, crashed.key);
    expect(isHotJournal(`${crashed.path}-journal`)).toBe(true);
    expect(checkDatabase(crashed.path, crashed.key, [])).toEqual([0]);
    expect(contentDigest(crashed.path, crashed.key)).toBe(crashed.before);
  });
});
