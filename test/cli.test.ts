/**
 * The `pageseal` command as a user runs it: the built dist/cli.js in a child process. Exit codes
 * 0 / 1 (authentication failed) / 2 (usage or input error), one-line errors, no stack traces, and
 * the key never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, ensureBuiltCli } from './helpers/built-cli.js';
import { copyGolden, flipByte, golden, readBack, removeDir, tempDir } from './helpers/golden.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function pageseal(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, PAGESEAL_HEXKEY: '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A usage/input error: exit 2, one line on stderr, no stack trace. */
function expectOneLineError(r: Run, status: number, pattern: RegExp): void {
  expect(r.status).toBe(status);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const g = golden('aes256gcm-4096.db');
const wal = golden('aegis256-4096-with-wal.db');
let dir: string;

beforeAll(() => {
  ensureBuiltCli();
  dir = tempDir();
});
afterAll(() => removeDir(dir));

describe('pageseal CLI', () => {
  it('--help explains the commands and warns that a key on the command line is visible', () => {
    const r = pageseal(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/pageseal decrypt <in> <out>/);
    expect(r.stdout).toMatch(/PAGESEAL_HEXKEY/);
    expect(r.stdout).toMatch(/'ps'/);
  });

  it('usage errors exit 2 with one line', () => {
    expect(pageseal([]).status).toBe(2);
    expectOneLineError(pageseal(['frobnicate']), 2, /unknown command/);
    expectOneLineError(pageseal(['info']), 2, /takes one file/);
    expectOneLineError(pageseal(['info', 'x', '--frob']), 2, /unknown option --frob/);
    expectOneLineError(pageseal(['verify', 'x.db', '--cipher', 'aes256gcm']), 2, /needs a key/);
    expectOneLineError(pageseal(['verify', 'x.db', '--hexkey', g.hexkey]), 2, /needs --cipher/);
  });

  it('info reads a Turso file without a key, as text and JSON', () => {
    const path = copyGolden(wal, dir);
    const text = pageseal(['info', path]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/cipher:\s+aegis256 \(id 3\)/);
    expect(text.stdout).toMatch(/wal:\s+present, 13 committed frames/);
    const json = pageseal(['info', path, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'turso', cipher: 'aegis256', pageSize: 4096, pageCount: 40, walFrames: 13 });
  });

  it('verify: exit 0 when every page authenticates, 1 listing the failing pages otherwise', () => {
    const path = copyGolden(g, dir);
    const ok = pageseal(['verify', path, '--cipher', g.cipher], { PAGESEAL_HEXKEY: g.hexkey });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: .*33 pages, 0 WAL frames authenticated/);

    flipByte(path, 4 * g.page_size + 9, 0x01);
    flipByte(path, 11 * g.page_size + 4090, 0x01);
    const bad = pageseal(['verify', path, '--cipher', g.cipher, '--hexkey', g.hexkey]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAILED: .*2 of 33 pages/);
    expect(bad.stdout).toMatch(/database pages: 5, 12/);

    const json = pageseal(['verify', path, '--json', '--cipher', g.cipher, '--hexkey', g.hexkey]);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).failures.map((f: { page: number }) => f.page)).toEqual([5, 12]);
  });

  it('decrypt then encrypt round trip with the key from the environment', () => {
    const path = copyGolden(wal, dir);
    const plain = join(dir, 'cli-plain.db');
    const again = join(dir, 'cli-again.db');
    const env = { PAGESEAL_HEXKEY: wal.hexkey };
    const d = pageseal(['decrypt', path, plain, '--cipher', 'AEGIS-256'], env);
    expect(d.status).toBe(0);
    expect(d.stdout).toMatch(/40 pages, 13 WAL frames folded in/);
    expect(readBack(plain)).toEqual({ integrity: 'ok', count: 600, sha: wal.rows_sha256 });
    const e = pageseal(['encrypt', plain, again, '--cipher', 'aegis256'], env);
    expect(e.status).toBe(0);
    expect(pageseal(['verify', again, '--cipher', 'aegis256'], env).status).toBe(0);
    for (const r of [d, e]) expect(r.stdout + r.stderr).not.toContain(wal.hexkey);
  });

  it('wrong key: exit 1, one line naming page 1, no output file, key not printed', () => {
    const path = copyGolden(g, dir);
    const out = join(dir, 'wrong.db');
    const key = 'ab'.repeat(32);
    const r = pageseal(['decrypt', path, out, '--cipher', g.cipher, '--hexkey', key]);
    expectOneLineError(r, 1, /page 1 failed authentication/);
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(existsSync(out)).toBe(false);
  });

  it('input errors exit 2 with one line: wrong cipher, bad key, missing file, not a database', () => {
    const path = copyGolden(g, dir);
    const key = { PAGESEAL_HEXKEY: g.hexkey };
    expectOneLineError(pageseal(['verify', path, '--cipher', 'aegis256'], key), 2, /encrypted with aes256gcm.*not with aegis256/);
    expectOneLineError(pageseal(['verify', path, '--cipher', 'aes256gcm', '--hexkey', 'xyz']), 2, /not a hex digit at position 0/);
    expectOneLineError(pageseal(['verify', join(dir, 'nope.db'), '--cipher', 'aes256gcm'], key), 2, /no such file/);
    expectOneLineError(pageseal(['decrypt', CLI, join(dir, 'x.db'), '--cipher', 'aes256gcm'], key), 2, /not a SQLite or Turso database/);
    expectOneLineError(pageseal(['decrypt', path, path, '--cipher', 'aes256gcm'], key), 2, /must differ/);
  });

  it('the demo runs: the encrypted copy holds no plaintext, the rows come back, tampering is caught', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'demo.js')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/secret in encrypted.db: not found/);
    expect(r.stdout).toMatch(/ok: \d+ pages authenticated/);
    expect(r.stdout).toMatch(/2 {2}launch {5}the launch code is 4-8-15-16-23-42/);
    expect(r.stdout).toMatch(/verify: failed on page 3/);
    expect(r.stdout).not.toMatch(/bug!/);
  });
});
