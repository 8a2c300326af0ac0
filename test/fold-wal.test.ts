/**
 * foldTursoWal: a Turso-written -wal (checksums over the encrypted pages) is copied into its database
 * so the main file alone holds every committed row; idempotent, crash-safe, and it refuses to
 * write anything when a committed frame fails authentication.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AuthenticationError } from '../src/errors.js';
import { getCipher } from '../src/ciphers/registry.js';
import { createPageFormat } from '../src/format/page-codec.js';
import { scanWalFile } from '../src/format/wal.js';
import { decryptFile, foldTursoWal, info, verifyFile } from '../src/tools/index.js';
import { copyGolden, flipByte, golden, readBack, rechainWal, removeDir, sha256File, tempDir } from './helpers/golden.js';

const g = golden('aegis256-4096-with-wal.db');
const opts = { cipher: g.cipher, hexkey: g.hexkey };
let dir: string;
let db: string;

beforeEach(() => {
  dir = tempDir();
  db = copyGolden(g, dir);
});
afterEach(() => removeDir(dir));

function rowsOfMainFileAlone(path: string, name = 'plain.db'): ReturnType<typeof readBack> {
  const alone = tempDir();
  try {
    const copy = join(alone, 'alone.db');
    copyFileSync(path, copy);
    decryptFile(copy, join(alone, name), opts);
    return readBack(join(alone, name));
  } finally {
    removeDir(alone);
  }
}

function tempDirFor(parent: string): string {
  return mkdtempSync(join(parent, 'sub-'));
}

describe('foldTursoWal', () => {
  it('copies the 13 committed frames into the database: the main file alone then holds all 600 rows', () => {
    expect(rowsOfMainFileAlone(db).count).toBe(500);
    expect(foldTursoWal(db, opts)).toBe(13);
    expect(statSync(db + '-wal').size).toBe(0);
    const scan = scanWalFile(db + '-wal');
    expect(scan?.frames.length).toBe(0);
    expect(statSync(db).size).toBe(40 * g.page_size);
    expect(info(db)).toMatchObject({ format: 'turso', pageCount: 40, walFrames: 0 });
    expect(verifyFile(db, opts)).toMatchObject({ ok: true, pagesChecked: 40, framesChecked: 0 });
    expect(verifyFile(copyGolden(g, tempDirFor(dir)), opts)).toMatchObject({ framesChecked: 13, walChecksums: 'stored' });
    expect(rowsOfMainFileAlone(db)).toEqual({ integrity: 'ok', count: 600, sha: g.rows_sha256 });
  });

  it('a second run is a no-op', () => {
    foldTursoWal(db, opts);
    const after = sha256File(db);
    expect(foldTursoWal(db, opts)).toBe(0);
    expect(sha256File(db)).toBe(after);
  });

  it('returns 0 and changes nothing without a -wal', () => {
    const d = tempDir();
    try {
      const alone = copyGolden(g, d, false);
      expect(foldTursoWal(alone, opts)).toBe(0);
      expect(sha256File(alone)).toBe(g.file_sha256);
    } finally {
      removeDir(d);
    }
  });

  it('a run killed before the WAL was truncated is completed by running again, with the same result', () => {
    const clean = tempDir();
    try {
      const reference = copyGolden(g, clean);
      foldTursoWal(reference, opts);
      // Simulate a crash midway: some frames already copied into the db (one torn), the WAL intact.
      const wal = readFileSync(db + '-wal');
      const fd = openSync(db, 'r+');
      for (const f of scanWalFile(db + '-wal')!.frames.slice(0, 5)) {
        writeSync(fd, wal, f.pageOffset, f.index === 4 ? 100 : g.page_size, (f.pageNumber - 1) * g.page_size);
      }
      closeSync(fd);
      expect(foldTursoWal(db, opts)).toBe(13);
      expect(sha256File(db)).toBe(sha256File(reference));
    } finally {
      removeDir(clean);
    }
  });

  it('refuses a WAL whose committed frame fails authentication, writing nothing', () => {
    flipByte(db + '-wal', 32 + 6 * (24 + g.page_size) + 24 + 100, 0x04);
    rechainWal(db + '-wal'); // the chain is valid again: only authentication can catch it
    const before = [sha256File(db), sha256File(db + '-wal')];
    const err = (() => {
      try {
        foldTursoWal(db, opts);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).pageNumber).toBe(34);
    expect([sha256File(db), sha256File(db + '-wal')]).toEqual(before);
  });

  it('leaves alone a WAL whose checksums cover the plaintext (as SQLite writes through an encrypting VFS)', () => {
    const codec = createPageFormat('turso', getCipher(g.cipher), Buffer.from(g.hexkey, 'hex'), g.page_size);
    rechainWal(db + '-wal', (_i, pageNo, page) => codec.decryptPage(pageNo, page, {}, new Uint8Array(page.length)));
    codec.wipe();
    const before = [sha256File(db), sha256File(db + '-wal')];
    expect(foldTursoWal(db, opts)).toBe(0);
    expect([sha256File(db), sha256File(db + '-wal')]).toEqual(before);
    // decrypt and verify still read such a WAL: its chain verifies over the decrypted pages
    expect(verifyFile(db, opts)).toMatchObject({ ok: true, framesChecked: 13, walFramesIgnored: 0, walChecksums: 'plaintext' });
    decryptFile(db, join(dir, 'plain.db'), opts);
    expect(readBack(join(dir, 'plain.db'))).toEqual({ integrity: 'ok', count: 600, sha: g.rows_sha256 });
  });

  it('a wrong key is refused before anything is written', () => {
    const before = [sha256File(db), sha256File(db + '-wal')];
    expect(() => foldTursoWal(db, { ...opts, hexkey: 'ab'.repeat(32) })).toThrow(AuthenticationError);
    expect([sha256File(db), sha256File(db + '-wal')]).toEqual(before);
  });
});

