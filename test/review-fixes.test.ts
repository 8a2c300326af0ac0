/**
 * Fixes for an adversarial review of main: a FIFO beside a keyed database no longer hangs open(); a
 * directory as the database path, a full disk during a rekey and a rekey while a statement of the same
 * connection iterates give typed errors; PRAGMA hexkey with another key names the pragmas that change it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, PagesealError } from '../src/index.js';
import { runScript, thrown } from './helpers/run-script.js';
import { randomHexKey, scratchDir, sha256File } from './helpers/files.js';

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
let scratch: ReturnType<typeof scratchDir>;

beforeAll(() => {
  scratch = scratchDir('pageseal-review-');
});
afterAll(() => scratch.cleanup());

type ChildResult = { ok?: unknown; code?: string; message?: string };

/** Runs test/helpers/fifo-child.ts; a child that has not answered in 20 s is killed and reported as a hang. */
function fifoChildren(actions: string[], path: string): ChildResult[] {
  const action = actions.join(',');
  const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
  const script = join(process.cwd(), 'test', 'helpers', 'fifo-child.ts');
  const r = spawnSync(process.execPath, [viteNode, script, action, path, key.cipher], {
    env: { ...process.env, PAGESEAL_TEST_HEXKEY: key.hexkey },
    timeout: 20_000,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
  });
  if (r.error || r.signal) throw new Error(`${action} on ${path} hung (killed after 20 s)`);
  const lines = r.stdout.trim().split('\n').slice(-actions.length);
  return lines.map((l) => JSON.parse(l) as ChildResult);
}

function fifoChild(action: string, path: string): ChildResult {
  return fifoChildren([action], path)[0]!;
}

function keyedDb(name: string): string {
  const path = join(scratch.dir, name);
  const db = open(path, { encryption: key });
  db.exec('CREATE TABLE x(a)');
  db.close();
  return path;
}

describe('a FIFO named <db>-journal or <db>-wal', () => {
  it('open() with a key and with PRAGMA hexkey refuse it at once with a typed IO error', () => {
    const path = keyedDb('fifo-journal.db');
    execFileSync('mkfifo', [path + '-journal']);
    for (const action of ['open-key', 'open-hexkey']) {
      const r = fifoChild(action, path);
      expect(r.code, `${action}: ${JSON.stringify(r)}`).toBe('IO');
      expect(r.message).toContain(path + '-journal');
      expect(r.message).toMatch(/not a regular file/);
    }
  }, 60_000);

  it('a FIFO -wal is refused the same way', () => {
    const path = join(scratch.dir, 'fifo-wal.db');
    const db = open(path, { encryption: key });
    db.pragma('journal_mode = wal');
    db.exec('CREATE TABLE x(a)');
    db.close();
    execFileSync('mkfifo', [path + '-wal']);
    const r = fifoChild('open-key', path);
    expect(r.code, JSON.stringify(r)).toBe('IO');
    expect(r.message).toContain(path + '-wal');
  }, 60_000);

  it('info and verify (API and CLI) on a FIFO database, -wal or -journal answer at once', () => {
    const fifo = join(scratch.dir, 'fifo-main.db');
    execFileSync('mkfifo', [fifo]);
    const wal = keyedDb('fifo-tools-wal.db');
    execFileSync('mkfifo', [wal + '-wal']);
    const journal = keyedDb('fifo-tools-journal.db');
    execFileSync('mkfifo', [journal + '-journal']);
    for (const path of [fifo, wal, journal]) {
      const [info, verify, cliInfo, cliVerify] = fifoChildren(['info', 'verify', 'cli-info', 'cli-verify'], path);
      expect(info!.code, `info ${path}: ${JSON.stringify(info)}`).toBe('IO');
      expect(verify!.code, `verify ${path}: ${JSON.stringify(verify)}`).toBe('IO');
      for (const r of [cliInfo!.ok, cliVerify!.ok] as { status: number; err: string }[]) {
        expect(r.status, `cli on ${path}`).not.toBe(0);
        expect(r.err).toMatch(/not a regular file/);
      }
    }
  }, 120_000);
});

describe('a directory as the database path', () => {
  it('open() with and without a key throws FormatError NOT_A_DATABASE naming the path', () => {
    const dir = join(scratch.dir, 'adir.db');
    mkdirSync(dir);
    for (const options of [undefined, { encryption: key }, { readonly: true }, { fileMustExist: true }]) {
      const err = thrown(() => open(dir, options)) as PagesealError;
      expect(err, JSON.stringify(options)).toBeInstanceOf(PagesealError);
      expect(err.code).toBe('NOT_A_DATABASE');
      expect(err.message).toContain(`${dir} is a directory`);
    }
  });
});

describe('PRAGMA hexkey with another key on a keyed connection', () => {
  it('names PRAGMA rehexkey and db.rekey, and never echoes the value', () => {
    const path = keyedDb('hexkey-other.db');
    const db = open(path, { encryption: key });
    try {
      const other = randomHexKey(32);
      const err = thrown(() => db.pragma(`hexkey='${other}'`)) as Error;
      expect(err.message).toMatch(/already has a key/);
      expect(err.message).toContain('PRAGMA rehexkey');
      expect(err.message).toContain('db.rekey()');
      expect(err.message).not.toMatch(/no rekey/);
      expect(err.message.toLowerCase()).not.toContain(other.slice(0, 16));
      expect(db.prepare('SELECT count(*) FROM x').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('db.rekey while a statement of the same connection iterates', () => {
  for (const mode of ['wal', 'delete'] as const) {
    for (const unsafe of [false, true]) {
      it(`${mode} mode${unsafe ? ', unsafe mode' : ''}: typed BUSY naming this connection; the rekey works once the iterator is done`, () => {
        const path = join(scratch.dir, `iter-${mode}-${unsafe}.db`);
        const db = open(path, { encryption: key });
        try {
          db.pragma(`journal_mode = ${mode}`);
          db.exec('CREATE TABLE t(a); INSERT INTO t VALUES (1), (2), (3)');
          if (unsafe) db.unsafeMode(true);
          const rows = db.prepare('SELECT a FROM t').pluck().iterate();
          expect(rows.next().value).toBe(1);
          const newKey = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
          const err = thrown(() => db.rekey(newKey)) as PagesealError;
          expect(err, String(err)).toBeInstanceOf(PagesealError);
          expect(err.code).toBe('BUSY');
          expect(err.message).toMatch(/a statement of this connection is still iterating/);
          expect(err.message).not.toMatch(/another connection/);
          expect(rows.next().value).toBe(2); // the iteration goes on, under the old key
          rows.return!();
          expect(db.pragma('journal_mode', { simple: true })).toBe(mode);
          db.rekey(newKey);
          expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3);
        } finally {
          db.close();
        }
      });
    }
  }
});

describe('a full disk during a rekey', () => {
  it('rekeyFile and db.rekey throw PagesealError IO saying nothing was changed; the old file keeps working', async () => {
    const path = join(scratch.dir, 'full.db');
    const db = open(path, { encryption: key });
    db.pragma('journal_mode = delete');
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)');
    const ins = db.prepare('INSERT INTO t(v) VALUES (randomblob(1000))');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) ins.run();
    })();
    db.close();
    const before = sha256File(path);
    const out = await runScript('rekey-full-child.ts', [path, key.cipher], { PAGESEAL_TEST_HEXKEY: key.hexkey, PAGESEAL_TEST_OTHER_HEXKEY: randomHexKey(32) }, { fileSizeLimitKiB: 1024 });
    const steps = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: string; ok?: unknown; code?: string; name?: string; message?: string })
        .map((r) => [r.step, r]),
    );
    for (const step of ['rekeyFile', 'db.rekey']) {
      expect(steps[step]?.code, JSON.stringify(steps[step])).toBe('IO');
      expect(steps[step]?.name).toBe('PagesealError');
      expect(steps[step]?.message).toMatch(/nothing was changed/);
    }
    for (const step of ['count1', 'same-connection', 'count2']) expect(steps[step]?.ok, step).toBe(3000);
    expect(sha256File(path)).toBe(before);
    expect(readdirSync(scratch.dir).filter((f) => f.includes('rekey'))).toEqual([]);
  }, 120_000);
});
