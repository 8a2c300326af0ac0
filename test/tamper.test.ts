/**
 * Damage is detected: any flipped byte of any region of a page (header, ciphertext, tag, nonce),
 * wrong keys and ciphers, truncated, plain, random and missing files all give typed errors or
 * verification failures, and a failed decrypt leaves no output behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuthenticationError, FormatError, PagesealError } from '../src/errors.js';
import { decryptFile, encryptFile, info, verifyFile, type VerifyResult } from '../src/tools/index.js';
import type { ToolOptions } from '../src/tools/codec.js';
import { getCipher } from '../src/ciphers/registry.js';
import { createPageFormat } from '../src/format/page-codec.js';
import { GOLDEN_DIR, MANIFEST, copyGolden, flipByte, golden, readBack, rechainWal, removeDir, tempDir, type GoldenFile } from './helpers/golden.js';
import type { CipherName } from '../src/ciphers/types.js';

const HEADER = 100;
const TAG = 16;

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

function optsOf(g: GoldenFile): ToolOptions {
  return { cipher: g.cipher, hexkey: g.hexkey };
}

/** verify after flipping one byte; the byte is restored afterwards. */
function verifyFlipped(path: string, offset: number, opts: ToolOptions): VerifyResult | PagesealError {
  const mask = 1 << (offset % 8);
  flipByte(path, offset, mask);
  try {
    return verifyFile(path, opts);
  } catch (err) {
    if (err instanceof PagesealError) return err;
    throw err;
  } finally {
    flipByte(path, offset, mask);
  }
}

/** The flipped byte at `offset` must be caught: only its page fails, or (page-1 header) a typed error. */
function expectDetected(path: string, offset: number, pageSize: number, opts: ToolOptions): void {
  const page = Math.floor(offset / pageSize) + 1;
  const r = verifyFlipped(path, offset, opts);
  if (r instanceof PagesealError) {
    expect(page === 1 && offset < HEADER, `byte ${offset} threw ${r.code}`).toBe(true);
    return;
  }
  expect(r.ok, `flip at byte ${offset} went undetected`).toBe(false);
  expect(r.failures.map((f) => [f.where, f.page])).toEqual([['db', page]]);
}

/** Offsets of one page to flip: every header byte (page 1), ciphertext samples, every tag and nonce byte. */
function sampleOffsets(page: number, pageSize: number, reserved: number): number[] {
  const base = (page - 1) * pageSize;
  const sealStart = pageSize - reserved;
  const start = page === 1 ? HEADER : 0;
  const out: number[] = [];
  if (page === 1) for (let i = 0; i < HEADER; i++) out.push(i);
  for (const o of [start, start + 1, (start + sealStart) >> 1, sealStart - 1]) out.push(base + o);
  for (let o = sealStart; o < pageSize; o++) out.push(base + o); // tag, then nonce
  return out;
}

describe('every byte of a small database', () => {
  // A 512-byte-page database (the smallest page size; AES-128-GCM leaves 484 usable bytes), made from
  // a decrypted golden file: SQLite keeps the 28 reserved bytes through VACUUM.
  let small: string;
  const g = golden('aes128gcm-4096.db');
  const opts = optsOf(g);

  beforeAll(() => {
    const plain = join(dir, 'small-plain.db');
    decryptFile(copyGolden(g, dir), plain, opts);
    const db = new Database(plain);
    db.pragma('journal_mode = DELETE');
    db.exec('DELETE FROM t WHERE id > 2');
    db.pragma('page_size = 512');
    db.exec('VACUUM');
    db.close();
    small = join(dir, 'small.db');
    encryptFile(plain, small, opts);
  });

  it('is a 512-byte-page Turso file with the reserve kept', () => {
    expect(info(small)).toMatchObject({ format: 'turso', cipher: 'aes128gcm', pageSize: 512, reservedBytes: 28 });
    expect(verifyFile(small, opts).ok).toBe(true);
  });

  it('detects a flip of every single byte of every page', () => {
    const size = statSync(small).size;
    expect(size / 512).toBeGreaterThanOrEqual(3);
    for (let offset = 0; offset < size; offset++) expectDetected(small, offset, 512, opts);
    expect(verifyFile(small, opts).ok).toBe(true);
  });
});

describe.each(['aes256gcm-4096.db', 'aegis128l-4096.db', 'aegis256x2-8192.db'])('regions of golden %s', (name) => {
  const g = golden(name);
  let path: string;
  beforeAll(() => {
    path = copyGolden(g, dir);
  });

  it.each([1, 2, Math.ceil(g.file_pages / 2), g.file_pages])('page %i: header, ciphertext, tag and nonce flips are detected', (page) => {
    for (const offset of sampleOffsets(page, g.page_size, g.reserved_bytes)) expectDetected(path, offset, g.page_size, optsOf(g));
  });

  it('the Turso magic, cipher id and reserve byte are checked before authentication', () => {
    const codes = [0, 5, 6, 7, 15, 20].map((o) => {
      const r = verifyFlipped(path, o, optsOf(g));
      return r instanceof PagesealError ? r.code : 'verified';
    });
    expect(codes).toEqual(['NOT_A_DATABASE', 'CORRUPT', 'CIPHER_MISMATCH', 'CORRUPT', 'CORRUPT', 'RESERVE_MISMATCH']);
  });
});

/** The 4096-byte golden file whose cipher decrypts a page fastest here (the TS backends differ a lot). */
function fastestGolden(): GoldenFile {
  let best: { g: GoldenFile; ms: number } | undefined;
  for (const g of MANIFEST.files.filter((f) => f.page_size === 4096 && !f.wal_file)) {
    const codec = createPageFormat('turso', getCipher(g.cipher), Buffer.from(g.hexkey, 'hex'), 4096);
    const page = readFileSync(join(GOLDEN_DIR, g.file)).subarray(4096, 8192);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) codec.decryptPage(2, page, {}, new Uint8Array(4096));
    const ms = performance.now() - t0;
    codec.wipe();
    if (!best || ms < best.ms) best = { g, ms };
  }
  return best!.g;
}

describe('every byte of pages 1 and 2 of a golden file, through the codec verify uses', () => {
  it('each single-byte flip fails authentication or the header check', () => {
    const g = fastestGolden();
    const bytes = readFileSync(join(GOLDEN_DIR, g.file));
    const codec = createPageFormat('turso', getCipher(g.cipher), Buffer.from(g.hexkey, 'hex'), g.page_size);
    const out = new Uint8Array(g.page_size);
    for (const pageNo of [1, 2]) {
      const page = Uint8Array.from(bytes.subarray((pageNo - 1) * g.page_size, pageNo * g.page_size));
      expect(() => codec.decryptPage(pageNo, page, {}, out)).not.toThrow();
      for (let i = 0; i < g.page_size; i++) {
        page[i]! ^= 1 << (i % 8);
        expect(() => codec.decryptPage(pageNo, page, {}, out), `${g.file} page ${pageNo} byte ${i}`).toThrow(PagesealError);
        page[i]! ^= 1 << (i % 8);
      }
    }
    codec.wipe();
  });
});

describe('a tampered WAL frame', () => {
  const g = golden('aegis256-4096-with-wal.db');
  const frameOffset = (i: number) => 32 + i * (24 + g.page_size) + 24;

  it('with a recomputed checksum chain fails authentication as that frame', () => {
    const d = tempDir();
    try {
      const path = copyGolden(g, d);
      flipByte(path + '-wal', frameOffset(4) + 10, 0x01);
      rechainWal(path + '-wal');
      const r = verifyFile(path, optsOf(g));
      expect(r.ok).toBe(false);
      expect(r.framesChecked).toBe(13);
      expect(r.failures.map((f) => [f.where, f.frame, f.page])).toEqual([['wal', 4, 21]]);
      expect(() => decryptFile(path, join(d, 'out.db'), optsOf(g))).toThrow(AuthenticationError);
      expect(existsSync(join(d, 'out.db'))).toBe(false);
    } finally {
      removeDir(d);
    }
  });

  it('without a matching chain ends the log there: later commits are ignored, as SQLite does', () => {
    const d = tempDir();
    try {
      const path = copyGolden(g, d);
      flipByte(path + '-wal', frameOffset(12) + 10, 0x01); // the only commit frame
      const r = verifyFile(path, optsOf(g));
      expect(r).toMatchObject({ ok: true, framesChecked: 0, walFramesIgnored: 13 });
      decryptFile(path, join(d, 'out.db'), optsOf(g));
      expect(readBack(join(d, 'out.db')).count).toBe(500);
    } finally {
      removeDir(d);
    }
  });
});

describe('bad inputs give typed errors', () => {
  const g = golden('aes128gcm-4096.db');
  const wrongKey = { cipher: g.cipher, hexkey: 'ff'.repeat(16) };

  function noOutputLeft(d: string, out: string): void {
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(d).filter((n) => n.includes('pageseal-tmp'))).toEqual([]);
  }

  it('wrong key: verify lists every page, decrypt throws on page 1 and writes nothing', () => {
    const d = tempDir();
    try {
      const path = copyGolden(g, d);
      const r = verifyFile(path, wrongKey);
      expect(r).toMatchObject({ ok: false, failureCount: g.file_pages, pagesChecked: g.file_pages });
      const out = join(d, 'out.db');
      const err = catchError(() => decryptFile(path, out, wrongKey));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).pageNumber).toBe(1);
      noOutputLeft(d, out);
    } finally {
      removeDir(d);
    }
  });

  it('a tampered later page: decrypt names it and writes nothing', () => {
    const d = tempDir();
    try {
      const path = copyGolden(g, d);
      flipByte(path, 20 * g.page_size + 7, 0x80);
      const out = join(d, 'out.db');
      const err = catchError(() => decryptFile(path, out, optsOf(g)));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).pageNumber).toBe(21);
      noOutputLeft(d, out);
    } finally {
      removeDir(d);
    }
  });

  it('wrong cipher: CIPHER_MISMATCH naming both ciphers', () => {
    const path = copyGolden(g, dir);
    const err = catchError(() => verifyFile(path, { cipher: 'aegis128l', hexkey: g.hexkey }));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('CIPHER_MISMATCH');
    expect((err as Error).message).toContain('aes128gcm');
    expect((err as Error).message).toContain('aegis128l');
  });

  it('truncated files: mid-page, whole pages, and shorter than a header', () => {
    const d = tempDir();
    try {
      const path = copyGolden(g, d);
      truncateSync(path, g.file_pages * g.page_size - 100);
      expect(codeOf(() => verifyFile(path, optsOf(g)))).toBe('CORRUPT');
      truncateSync(path, 20 * g.page_size);
      expect(codeOf(() => verifyFile(path, optsOf(g)))).toBe('CORRUPT');
      expect(codeOf(() => decryptFile(path, join(d, 'out.db'), optsOf(g)))).toBe('CORRUPT');
      truncateSync(path, 50);
      expect(codeOf(() => verifyFile(path, optsOf(g)))).toBe('NOT_A_DATABASE');
      noOutputLeft(d, join(d, 'out.db'));
    } finally {
      removeDir(d);
    }
  });

  it('a plain SQLite file, a random-bytes file, an empty file, a directory, a missing file', () => {
    const plain = join(dir, 'plain.sqlite');
    const db = new Database(plain);
    db.exec('CREATE TABLE x(a); INSERT INTO x VALUES (1)');
    db.close();
    expect(codeOf(() => verifyFile(plain, optsOf(g)))).toBe('NOT_ENCRYPTED');
    expect(codeOf(() => decryptFile(plain, join(dir, 'o1.db'), optsOf(g)))).toBe('NOT_ENCRYPTED');
    expect(info(plain).format).toBe('sqlite');

    const random = join(dir, 'random.bin');
    writeFileSync(random, randomBytes(8192));
    expect(codeOf(() => verifyFile(random, optsOf(g)))).toBe('NOT_A_DATABASE');
    expect(codeOf(() => encryptFile(random, join(dir, 'o2.db'), optsOf(g)))).toBe('NOT_A_DATABASE');
    expect(info(random).format).toBe('unknown');

    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    expect(codeOf(() => verifyFile(empty, optsOf(g)))).toBe('NOT_A_DATABASE');

    expect(codeOf(() => info(dir))).toBe('IO');
    expect(codeOf(() => verifyFile(dir, optsOf(g)))).toBe('IO');

    const missing = join(dir, 'missing.db');
    expect(codeOf(() => verifyFile(missing, optsOf(g)))).toBe('IO');
    expect(codeOf(() => info(missing))).toBe('IO');
    expect(existsSync(join(dir, 'o1.db')) || existsSync(join(dir, 'o2.db'))).toBe(false);
  });

  it('encrypt rebuilds a file without the cipher reserve, and refuses one reserving more, naming pageseal rekey', () => {
    const plain = join(dir, 'noreserve.sqlite');
    const db = new Database(plain);
    db.exec('CREATE TABLE x(a)');
    db.close();
    encryptFile(plain, join(dir, 'o3.db'), optsOf(g));
    expect(verifyFile(join(dir, 'o3.db'), optsOf(g)).ok).toBe(true);
    const big = golden('aegis256-4096.db'); // reserves 48, aes128gcm uses 28
    const wide = join(dir, 'wide.sqlite');
    decryptFile(join(GOLDEN_DIR, big.file), wide, optsOf(big));
    const err = catchError(() => encryptFile(wide, join(dir, 'o4.db'), optsOf(g)));
    expect((err as PagesealError).code).toBe('RESERVE_MISMATCH');
    expect((err as Error).message).toMatch(/pageseal rekey/);
    expect(existsSync(join(dir, 'o4.db'))).toBe(false);
  });

  it('bad options are rejected before any file is touched, and errors never show the key', () => {
    const path = copyGolden(g, dir);
    expect(codeOf(() => verifyFile(path, { cipher: 'rot13' as CipherName, hexkey: g.hexkey }))).toBe('UNKNOWN_CIPHER');
    expect(codeOf(() => verifyFile(path, { cipher: g.cipher, hexkey: 'zz' + g.hexkey.slice(2) }))).toBe('INVALID_KEY');
    const err = catchError(() => decryptFile(path, join(dir, 'o4.db'), wrongKey)) as Error;
    expect(err.message).not.toContain(wrongKey.hexkey);
    expect(String(err)).not.toContain(wrongKey.hexkey);
  });

  it('an existing output is never overwritten', () => {
    const path = copyGolden(g, dir);
    const out = join(dir, 'exists.db');
    writeFileSync(out, 'keep me');
    expect(codeOf(() => decryptFile(path, out, optsOf(g)))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => decryptFile(path, path, optsOf(g)))).toBe('INVALID_OPTIONS');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

function codeOf(fn: () => unknown): string {
  const err = catchError(fn);
  if (!(err instanceof PagesealError)) throw err;
  return err.code;
}
