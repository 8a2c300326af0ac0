/**
 * Issue 7, item 7: the per-thread failure record explains only the error it was made for; a getrandom
 * failure has its own kind and message; every page failure goes to SQLite's error log (sqlite3_log)
 * with the VFS name, file and page. Each test failed before its fix.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainError, install, open, PagesealError, AuthenticationError } from '../src/index.js';
import { loadAddon } from '../src/addon.js';
import { runScript, thrown } from './helpers/run-script.js';

const HEXKEY = '3c'.repeat(32);
const enc = { encryption: { cipher: 'aegis256' as const, hexkey: HEXKEY } };
let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-failrec-'));
  install();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  return join(dir, `db${++counter}.db`);
}

/** Leaves a 'key-incomplete' failure on this thread's record (a write after PRAGMA cipher alone). */
function leaveKeyIncompleteRecord(): void {
  const db = new BetterSqlite3(freshPath());
  try {
    db.pragma(`cipher='aegis256'`);
    expect(() => db.exec('CREATE TABLE t(x)')).toThrow();
  } finally {
    db.close();
  }
  expect(install().lastFailure()?.kind).toBe('key-incomplete');
}

describe('stale failure records', () => {
  it('an ATTACH of a missing file is not retyped by an earlier key-incomplete record (kind maps only to its own codes)', () => {
    leaveKeyIncompleteRecord();
    const db = new BetterSqlite3(':memory:');
    try {
      const e = thrown(() => db.prepare(`ATTACH '${join(dir, 'no-such-dir', 'x.db')}' AS x`).run());
      expect((e as { code?: string }).code).toBe('SQLITE_CANTOPEN');
      const explained = explainError(e);
      expect(explained).toBe(e);
    } finally {
      db.close();
    }
  });

  it('each call Database wraps (prepare, exec, pragma) starts with no failure recorded', () => {
    const db = open(freshPath(), enc);
    try {
      for (const call of [() => db.exec('SELECT 1'), () => db.prepare('SELECT 1'), () => db.pragma('user_version')]) {
        leaveKeyIncompleteRecord();
        call();
        expect(install().lastFailure()).toBeNull();
      }
    } finally {
      db.close();
    }
  });
});

describe('getrandom failures', () => {
  it('are their own kind, with their own message (not a corrupt file), and write nothing', async () => {
    const lib = join(dir, 'failrandom.so');
    const src = join(dir, 'failrandom.c');
    const code = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
ssize_t getrandom(void *buf, size_t len, unsigned flags) {
  const char *flag = getenv("PS_TEST_GETRANDOM_FAIL");
  if (flag && access(flag, F_OK) == 0) { errno = EIO; return -1; }
  ssize_t (*real)(void *, size_t, unsigned) = (ssize_t (*)(void *, size_t, unsigned))dlsym(RTLD_NEXT, "getrandom");
  return real(buf, len, flags);
}
`;
    const fd = openSync(src, 'w');
    writeSync(fd, code);
    closeSync(fd);
    execFileSync('cc', ['-shared', '-fPIC', '-o', lib, src, '-ldl']);
    const path = freshPath();
    const out = await runScript('random-child.ts', [path], {
      LD_PRELOAD: lib,
      PS_TEST_GETRANDOM_FAIL: join(dir, 'fail-now'),
      PAGESEAL_TEST_HEXKEY: HEXKEY,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, string>;
    expect(r.ok).toBe(false);
    expect(r.code).toBe('IO');
    expect(r.message).toMatch(/random number generator/);
    const head = Buffer.alloc(16);
    const f = openSync(path, 'r');
    const n = readSync(f, head, 0, 16, 0);
    closeSync(f);
    expect(n).toBe(0); // nothing reached the file
  }, 60_000);
});

describe('sqlite3_log', () => {
  it('every authentication failure is logged with the VFS name, the file and the page', () => {
    const path = freshPath();
    const db = open(path, enc);
    db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(3000)), (randomblob(3000))');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    // flip one byte in the ciphertext of the last page
    const f = openSync(path, 'r+');
    const b = Buffer.alloc(1);
    const at = (pages - 1) * 4096 + 200;
    readSync(f, b, 0, 1, at);
    b[0] ^= 1;
    writeSync(f, b, 0, 1, at);
    closeSync(f);
    const again = open(path, enc);
    try {
      const e = thrown(() => again.prepare('SELECT count(*) FROM t WHERE length(x) > 0').get());
      expect(explainError(e, path)).toBeInstanceOf(AuthenticationError);
      const canonical = install().canonicalPath(path);
      const logged = (loadAddon() as unknown as { lastLogged(): string }).lastLogged();
      expect(logged).toBe(`pageseal: authentication failed: page ${pages} of "${canonical}"`);
    } finally {
      again.close();
    }
  });
});
