/**
 * `pageseal rekey` as a user runs it (dist/cli.js in a child process): keys from PAGESEAL_HEXKEY /
 * PAGESEAL_NEW_HEXKEY, a progress bar on stderr only when it is a terminal (run under `script`,
 * which gives the command a pty), --json, exit codes, and `pageseal encrypt` on an ordinary file.
 */
import { beforeAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { info, verifyFile } from '../src/index.js';
import { CLI, ensureBuiltCli } from './helpers/built-cli.js';
import { scratchDir, randomHexKey } from './helpers/files.js';

beforeAll(ensureBuiltCli);

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir('pageseal-rekey-cli-')));
afterEach(() => cleanup());

function stock(path: string, rows = 3000): void {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = wal');
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)');
  const ins = db.prepare('INSERT INTO t(v) VALUES (randomblob(400))');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run();
  })();
  db.close();
}

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, PAGESEAL_HEXKEY: '', PAGESEAL_NEW_HEXKEY: '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('pageseal rekey', () => {
  it('encrypts, changes key and cipher, decrypts; silent on stderr without a terminal; never prints a key', () => {
    const p = join(dir, 'a.db');
    stock(p);
    const k1 = randomHexKey(32);
    let r = run(['rekey', p, '--cipher', 'none', '--new-cipher', 'aegis256'], { PAGESEAL_NEW_HEXKEY: k1 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/none \(plain\) -> aegis256/);
    expect(info(p)).toMatchObject({ format: 'turso', cipher: 'aegis256' });
    const k2 = randomHexKey(16);
    r = run(['rekey', p, '--cipher', 'aegis256', '--new-cipher', 'aes128gcm', '--json'], { PAGESEAL_HEXKEY: k1, PAGESEAL_NEW_HEXKEY: k2 });
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ from: 'aegis256', to: 'aes128gcm', journalMode: 'wal' });
    expect(verifyFile(p, { cipher: 'aes128gcm', hexkey: k2 }).ok).toBe(true);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(k1);
      expect(out).not.toContain(k2);
    }
    r = run(['rekey', p, '--cipher', 'aes128gcm', '--new-cipher', 'none'], { PAGESEAL_HEXKEY: k2 });
    expect(r.status).toBe(0);
    const db = new BetterSqlite3(p);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3000);
    db.close();
  });

  it('key change only (--new-cipher defaults to --cipher); a wrong current key exits 1 and changes nothing', () => {
    const p = join(dir, 'b.db');
    stock(p, 100);
    const k1 = randomHexKey(32);
    expect(run(['rekey', p, '--cipher', 'none', '--new-cipher', 'aegis256'], { PAGESEAL_NEW_HEXKEY: k1 }).status).toBe(0);
    const k2 = randomHexKey(32);
    expect(run(['rekey', p, '--cipher', 'aegis256'], { PAGESEAL_HEXKEY: k1, PAGESEAL_NEW_HEXKEY: k2 }).status).toBe(0);
    expect(verifyFile(p, { cipher: 'aegis256', hexkey: k2 }).ok).toBe(true);
    const wrong = run(['rekey', p, '--cipher', 'aegis256'], { PAGESEAL_HEXKEY: k1, PAGESEAL_NEW_HEXKEY: randomHexKey(32) });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(verifyFile(p, { cipher: 'aegis256', hexkey: k2 }).ok).toBe(true);
  });

  it('usage errors: a missing key or cipher exits 2 with one line', () => {
    const p = join(dir, 'c.db');
    stock(p, 10);
    for (const [args, env] of [
      [['rekey', p, '--cipher', 'none', '--new-cipher', 'aegis256'], {}],
      [['rekey', p, '--new-cipher', 'aegis256'], { PAGESEAL_NEW_HEXKEY: randomHexKey(32) }],
    ] as const) {
      const r = run([...args], env);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^pageseal: .*\n$/);
    }
  });

  it('draws a progress bar on a terminal (under script), and --json still prints the summary', () => {
    if (!hasScript()) return;
    const p = join(dir, 'tty.db');
    stock(p, 20000);
    const k = randomHexKey(32);
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} rekey ${JSON.stringify(p)} --cipher none --new-cipher aegis256 --json`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, PAGESEAL_HEXKEY: '', PAGESEAL_NEW_HEXKEY: k } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\r\[[#.]{24}\] +\d+%  \d+\/\d+ pages  [\d.]+ MB\/s  \d+:\d\d left/);
    expect(r.stdout).toMatch(/100%/);
    expect(r.stdout).toMatch(/"to":"aegis256"/);
    expect(r.stdout).not.toContain(k);
  });
});

describe('pageseal encrypt', () => {
  it('accepts an ordinary SQLite file (reserve 0)', () => {
    const p = join(dir, 'in.db');
    stock(p, 500);
    const k = randomHexKey(16);
    const r = run(['encrypt', p, join(dir, 'out.db'), '--cipher', 'aegis128x4'], { PAGESEAL_HEXKEY: k });
    expect(r.status).toBe(0);
    expect(verifyFile(join(dir, 'out.db'), { cipher: 'aegis128x4', hexkey: k }).ok).toBe(true);
  });
});
