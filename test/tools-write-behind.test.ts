/**
 * The offline tools' output goes on to the device behind the writer (src/tools/write-behind.ts): each
 * batch is sent as soon as it is written, the batch before it waited for and dropped from the page cache.
 * Checked here: the order of those calls, that a system without them falls back to the final fsync alone,
 * that a write-back error fails the tool with a typed IO error and leaves nothing (the kernel reports such
 * an error once, so the fsync could not be trusted to report it), and, on Linux, that decrypt and encrypt
 * keep about two batches of their output in the page cache instead of the whole file.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decryptFile, encryptFile, open, verifyFile } from '../src/index.js';
import { loadAddon } from '../src/addon.js';
import { BATCH_BYTES } from '../src/tools/page-batch.js';
import { WriteBehind } from '../src/tools/write-behind.js';
import { randomHexKey, scratchDir } from './helpers/files.js';
import { thrown } from './helpers/run-script.js';

/** What the addon's writeBehind answers in this file to starts and to settles (waits): a number, or the real call. */
let fake: { start?: number; settle?: number } = {};
vi.mock('../src/addon.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/addon.js')>();
  let wrapped: ReturnType<typeof real.loadAddon> | undefined;
  return {
    ...real,
    loadAddon: () => {
      const addon = real.loadAddon();
      if (!addon) return addon;
      const writeBehind = (fd: number, offset: number, length: number, settle: boolean) =>
        (settle ? fake.settle : fake.start) ?? addon.writeBehind!(fd, offset, length, settle);
      // (a proxy of an empty object: the addon's own properties are read-only)
      wrapped ??= new Proxy({} as typeof addon, { get: (_t, prop) => (prop === 'writeBehind' ? writeBehind : Reflect.get(addon, prop)) });
      return wrapped;
    },
  };
});

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
let scratch: ReturnType<typeof scratchDir>;
let db: string;

beforeAll(() => {
  scratch = scratchDir('pageseal-wb-');
  db = join(scratch.dir, 'big.db');
  const h = open(db, { encryption: key });
  h.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)');
  const ins = h.prepare('INSERT INTO t(b) VALUES (?)');
  h.transaction(() => {
    for (let i = 0; i < 6000; i++) ins.run(randomBytes(3500)); // a page per row: about six 4 MiB batches
  })();
  h.close();
  expect(statSync(db).size).toBeGreaterThan(5 * BATCH_BYTES);
}, 120_000);
afterAll(() => scratch.cleanup());

function calls(results: number[] = []): { log: string[]; wb: WriteBehind } {
  const log: string[] = [];
  const wb = new WriteBehind(7, {
    writeBehind(fd, offset, length, settle) {
      log.push(`${fd} ${offset}+${length} ${settle ? 'settle' : 'start'}`);
      return results.shift() ?? 0;
    },
  });
  return { log, wb };
}

describe('write-behind', () => {
  it('starts each range as it is written and settles the one before it', () => {
    const { log, wb } = calls();
    wb.wrote(0, 100);
    wb.wrote(100, 50);
    wb.wrote(150, 0); // nothing written: nothing to do
    wb.wrote(150, 30);
    expect(log).toEqual(['7 0+100 start', '7 100+50 start', '7 0+100 settle', '7 150+30 start', '7 100+50 settle']);
    expect(wb.active).toBe(true);
  });

  it('a start that fails (no such call, or any errno) turns it off for the rest of the file', () => {
    for (const rc of [-1, 1 /* EPERM, as a sandbox refuses a call */, 5 /* EIO: fsync still reports it */]) {
      const off = calls([0, rc]);
      off.wb.wrote(0, 100);
      off.wb.wrote(100, 100);
      off.wb.wrote(200, 100);
      expect(off.log).toEqual(['7 0+100 start', '7 100+100 start']);
      expect(off.wb.active).toBe(false);
    }
  });

  it('a wait that fails throws with the errno name as code (the kernel reports a write-back error once)', () => {
    for (const [rc, code] of [[5, 'EIO'], [28, 'ENOSPC']] as const) {
      const eio = calls([0, 0, rc]);
      eio.wb.wrote(0, 100);
      const err = thrown(() => eio.wb.wrote(100, 100)) as NodeJS.ErrnoException;
      expect(err.code).toBe(code);
    }
  });

  it.skipIf(process.platform !== 'linux')('the native call: 0 on a regular file, an errno on a pipe or a bad fd, TypeError on bad arguments', () => {
    const addon = loadAddon()!;
    const path = join(scratch.dir, 'wb-native');
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, new Uint8Array(8192));
      expect(addon.writeBehind!(fd, 0, 8192, false)).toBe(0);
      expect(addon.writeBehind!(fd, 0, 8192, true)).toBe(0);
      expect(() => addon.writeBehind!(fd, -1, 10, true)).toThrow(TypeError);
      expect(() => addon.writeBehind!(fd, 0, 0, true)).toThrow(TypeError);
    } finally {
      closeSync(fd);
    }
    expect(addon.writeBehind!(1 << 20, 0, 8192, true)).toBe(9); // EBADF: no such file descriptor
    const fifo = join(scratch.dir, 'wb-fifo');
    execFileSync('mkfifo', [fifo]);
    const pfd = openSync(fifo, 'r+'); // (Linux opens a FIFO for reading and writing without waiting)
    try {
      expect(addon.writeBehind!(pfd, 0, 10, false)).toBe(29); // ESPIPE: not a file, nothing to write back
    } finally {
      closeSync(pfd);
    }
  });

  it('a write-back error fails decrypt and encrypt with IO and leaves no output and no temporary file', () => {
    const plain = join(scratch.dir, 'ok.plain');
    decryptFile(db, plain, key);
    try {
      fake = { settle: 5 }; // EIO, as the kernel reports a failed write-back to a wait
      for (const run of [() => decryptFile(db, join(scratch.dir, 'eio.plain'), key), () => encryptFile(plain, join(scratch.dir, 'eio.db'), key)]) {
        const err = thrown(run) as { code?: string; message: string };
        expect(err.code).toBe('IO');
        expect(err.message).toMatch(/EIO/);
      }
      expect(readdirSync(scratch.dir).filter((f) => f.startsWith('eio') || f.includes('.eio.'))).toEqual([]);
      fake = { start: -1 }; // no write-behind on this system: the same bytes, written by the final fsync
      const slow = join(scratch.dir, 'no-wb.plain');
      decryptFile(db, slow, key);
      expect(readFileSync(slow).equals(readFileSync(plain))).toBe(true);
    } finally {
      fake = {};
    }
  });

  const fincore = (() => {
    try {
      return process.platform === 'linux' && execFileSync('fincore', ['--version'], { stdio: 'pipe' }).length > 0;
    } catch {
      return false;
    }
  })();
  /** Bytes of `path` in the page cache (fincore, util-linux). */
  const resident = (path: string) => Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());
  const onTmpfs = () => execFileSync('stat', ['-f', '-c', '%T', scratch.dir], { encoding: 'utf8' }).trim() === 'tmpfs';

  it.skipIf(!fincore)('decrypt and encrypt keep about two batches of their output in the page cache, not the whole file', () => {
    if (onTmpfs()) return; // tmpfs pages live in the page cache: nothing to drop
    const plain = join(scratch.dir, 'cache.plain');
    decryptFile(db, plain, key);
    expect(statSync(plain).size).toBeGreaterThan(5 * BATCH_BYTES);
    expect(resident(plain)).toBeLessThanOrEqual(2 * BATCH_BYTES);
    const enc = join(scratch.dir, 'cache.db');
    encryptFile(plain, enc, key);
    expect(resident(enc)).toBeLessThanOrEqual(2 * BATCH_BYTES);
    expect(verifyFile(enc, key).ok).toBe(true); // (what reached the device reads back whole)
  });
});
