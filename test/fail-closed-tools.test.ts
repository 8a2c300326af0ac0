/**
 * The offline tools fail closed (issue 7, items 4 and 8): a database left with a hot rollback
 * journal is refused by every tool (its main file may hold pages of a transaction that never
 * committed) and reported by `info`; a FIFO or other non-regular file is refused at once instead of
 * blocking; `info` on a file that is not a database exits non-zero; `verify` with a wrong key says so
 * in one line instead of listing every page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { decryptFile, encryptFile, foldTursoWal, info, open, verifyFile } from '../src/index.js';
import { main } from '../src/cli.js';
import { randomHexKey, scratchDir, sha256File } from './helpers/files.js';
import { thrown } from './helpers/run-script.js';
import { crashedInTransaction as crashedInTransaction_ } from './helpers/hot-journal.js';

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
const ROWS = 2000;
let scratch: ReturnType<typeof scratchDir>;

beforeAll(() => {
  scratch = scratchDir('pageseal-tools-');
});
afterAll(() => scratch.cleanup());

function codeOf(fn: () => unknown): unknown {
  return (thrown(fn) as { code?: unknown }).code;
}

/** Runs the CLI in-process; returns its exit code and what it printed. */
function cli(args: string[], env: Record<string, string> = {}): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = main(args, env, (l) => (out += l + '\n'), (l) => (err += l + '\n'));
  return { status, out, err };
}

function crashedInTransaction(name: string, encrypted: boolean): string {
  return crashedInTransaction_(scratch.dir, name, encrypted ? key : null, ROWS);
}

describe('a hot rollback journal', () => {
  it('verify, decrypt and fold refuse it (HOT_JOURNAL), write nothing, and info reports it', () => {
    const path = crashedInTransaction('hot', true);
    const before = [path, path + '-journal'].map(sha256File);
    expect(codeOf(() => verifyFile(path, key))).toBe('HOT_JOURNAL');
    const out = join(scratch.dir, 'hot-plain.db');
    const err = thrown(() => decryptFile(path, out, key)) as Error;
    expect((err as { code?: string }).code).toBe('HOT_JOURNAL');
    expect(err.message).toMatch(/hot rollback journal/);
    expect(err.message).toMatch(/roll/);
    expect(existsSync(out)).toBe(false);
    expect(codeOf(() => foldTursoWal(path, key))).toBe('HOT_JOURNAL');
    const i = info(path);
    expect(i.hotJournal).toBe(true);
    expect(i.journalBytes).toBeGreaterThan(0);
    expect(cli(['info', path]).out).toMatch(/journal: +HOT/);
    const v = cli(['verify', path, '--cipher', key.cipher], { PAGESEAL_HEXKEY: key.hexkey });
    expect(v.status).toBe(2);
    expect(v.err).toMatch(/hot rollback journal/);
    expect([path, path + '-journal'].map(sha256File)).toEqual(before);

    // Once SQLite (through pageseal) has rolled it back, the tools read the committed state.
    open(path, { encryption: key }).close();
    expect(info(path).hotJournal).toBe(false);
    expect(verifyFile(path, key).ok).toBe(true);
    decryptFile(path, out, key);
    const plain = new BetterSqlite3(out, { readonly: true });
    expect(plain.prepare(`SELECT count(*) FROM t WHERE v LIKE 'committed%'`).pluck().get()).toBe(ROWS);
    expect(plain.prepare('SELECT count(*) FROM t').pluck().get()).toBe(ROWS);
    plain.close();
  });

  it('encrypt refuses a plain database with a hot journal', () => {
    const path = crashedInTransaction('hot-plain', false);
    const out = join(scratch.dir, 'hot-enc.db');
    expect(codeOf(() => encryptFile(path, out, key))).toBe('HOT_JOURNAL');
    expect(existsSync(out)).toBe(false);
  });

  it('a journal that is not hot (empty, or a zeroed PERSIST header) is no obstacle', () => {
    const path = crashedInTransaction('cold', true);
    open(path, { encryption: key }).close(); // rolled back
    writeFileSync(path + '-journal', Buffer.alloc(4096)); // as PERSIST mode leaves it
    expect(verifyFile(path, key).ok).toBe(true);
    expect(info(path)).toMatchObject({ hotJournal: false, journalBytes: 4096 });
    writeFileSync(path + '-journal', '');
    expect(verifyFile(path, key).ok).toBe(true);
  });
});

describe('files that are not regular files or not databases', () => {
  it('a FIFO as the database, its -wal or its -journal is refused at once (no blocking)', () => {
    const fifo = join(scratch.dir, 'fifo.db');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(codeOf(() => info(fifo))).toBe('IO');
    expect((thrown(() => verifyFile(fifo, key)) as Error).message).toMatch(/not a regular file/);
    expect(codeOf(() => decryptFile(fifo, join(scratch.dir, 'f1.db'), key))).toBe('IO');

    const db = join(scratch.dir, 'sidefifo.db');
    open(db, { encryption: key }).exec('CREATE TABLE x(a)');
    execFileSync('mkfifo', [db + '-wal']);
    expect(codeOf(() => verifyFile(db, key))).toBe('IO');
    const other = join(scratch.dir, 'sidefifo2.db');
    const db2 = open(other, { encryption: key });
    db2.exec('CREATE TABLE x(a)');
    db2.close();
    execFileSync('mkfifo', [other + '-journal']);
    expect(codeOf(() => info(other))).toBe('IO');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(cli(['info', fifo]).err).toMatch(/not a regular file/);
    expect(codeOf(() => open(fifo, { encryption: key }))).toBe('NOT_A_DATABASE'); // open() sniffs the header first
  });

  it('info on a file that is not a database exits 2 with a clear message', () => {
    const random = join(scratch.dir, 'random.bin');
    writeFileSync(random, Buffer.alloc(8192, 7));
    const r = cli(['info', random]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/not a SQLite or Turso database/);
    const empty = join(scratch.dir, 'empty.bin');
    writeFileSync(empty, '');
    const e = cli(['info', empty]);
    expect(e.status).toBe(2);
    expect(e.err).toMatch(/is empty/);
    expect(cli(['info', random, '--json']).status).toBe(2);
  });
});

describe('verify with a wrong key', () => {
  it('says "wrong key or cipher" in one short report, not a list of every page', () => {
    const path = join(scratch.dir, 'wrongkey.db');
    const db = open(path, { encryption: key });
    db.exec('CREATE TABLE t(v); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) INSERT INTO t SELECT randomblob(3000) FROM n');
    db.close();
    const r = cli(['verify', path, '--cipher', key.cipher], { PAGESEAL_HEXKEY: randomHexKey(32) });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/wrong key or cipher/);
    expect(r.out.length).toBeLessThan(600);
    expect(verifyFile(path, { ...key, hexkey: randomHexKey(32) })).toMatchObject({ ok: false, wrongKey: true });
    // One page modified: named, and not called a wrong key.
    const bytes = readFileSync(path);
    bytes[3 * 4096 + 100] ^= 1;
    writeFileSync(path, bytes);
    const one = cli(['verify', path, '--cipher', key.cipher], { PAGESEAL_HEXKEY: key.hexkey });
    expect(one.status).toBe(1);
    expect(one.out).toMatch(/database pages: 4\b/);
    expect(one.out).not.toMatch(/wrong key/);
  });
});
