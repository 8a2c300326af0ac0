/**
 * The offline tools read, open and seal pages in batches through one native call per batch
 * (src/tools/page-batch.ts). They must accept and reject exactly what the page-by-page codec does:
 * checked against the TS backend (page by page), on a file larger than one batch (1024 pages of 4 KiB),
 * with damage in page 1, inside the first batch and inside a later one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decryptFile, encryptFile, verifyFile, AuthenticationError, open } from '../src/index.js';
import { randomBytes } from 'node:crypto';
import { flipByte, removeDir, tempDir } from './helpers/golden.js';
import { randomHexKey } from './helpers/files.js';
import { batchPages, pageBatch } from '../src/tools/page-batch.js';
import { createPageFormat } from '../src/format/page-codec.js';
import { getCipher } from '../src/ciphers/registry.js';
import { resolveEncryption } from '../src/options.js';

const PS = 4096;
let dir: string;
const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
let db: string;

beforeAll(() => {
  dir = tempDir('pageseal-batch-');
  db = join(dir, 'big.db');
  const h = open(db, { encryption: key });
  h.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)');
  const ins = h.prepare('INSERT INTO t(b) VALUES (?)');
  h.transaction(() => {
    for (let i = 0; i < 3000; i++) ins.run(randomBytes(3000)); // about a page per row: three batches
  })();
  h.close();
  expect(statSync(db).size / PS).toBeGreaterThan(2 * batchPages(PS));
}, 60_000);
afterAll(() => removeDir(dir));

describe('offline tools in batches', () => {
  it('decrypt gives the same bytes as the page-by-page TS path, and encrypt of that round-trips', () => {
    const fast = join(dir, 'fast.plain');
    const slow = join(dir, 'slow.plain');
    expect(decryptFile(db, fast, key).pages).toBe(statSync(db).size / PS);
    decryptFile(db, slow, { ...key, backend: 'ts' });
    expect(readFileSync(fast).equals(readFileSync(slow))).toBe(true);
    const again = join(dir, 'again.db');
    encryptFile(fast, again, key);
    expect(verifyFile(again, key)).toMatchObject({ ok: true, pagesChecked: statSync(db).size / PS });
    const back = join(dir, 'back.plain');
    decryptFile(again, back, { ...key, backend: 'ts' });
    expect(readFileSync(back).equals(readFileSync(fast))).toBe(true);
    // fresh nonces: no page (but the plaintext header bytes) is stored the same twice
    expect(readFileSync(again).subarray(PS, 2 * PS).equals(readFileSync(db).subarray(PS, 2 * PS))).toBe(false);
  });

  it('verify lists the same failures as the page-by-page path: page 1, one in the first batch, one in a later batch', () => {
    const bad = join(dir, 'bad.db');
    writeFileSync(bad, readFileSync(db));
    const later = batchPages(PS) + 37;
    for (const p of [1, 5, later]) flipByte(bad, (p - 1) * PS + 200, 0x01);
    const fast = verifyFile(bad, key);
    const slow = verifyFile(bad, { ...key, backend: 'ts' });
    expect(fast.ok).toBe(false);
    expect(fast.failures.map((f) => f.page)).toEqual([1, 5, later]);
    expect(fast.failures).toEqual(slow.failures);
    expect(fast.failureCount).toBe(3);
  });

  it('decrypt refuses a page that fails in a later batch, naming it, and leaves no output', () => {
    const bad = join(dir, 'bad2.db');
    writeFileSync(bad, readFileSync(db));
    const later = 2 * batchPages(PS) + 3;
    flipByte(bad, (later - 1) * PS + 10, 0x80);
    const out = join(dir, 'bad2.plain');
    let err: unknown;
    try {
      decryptFile(bad, out, key);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).pageNumber).toBe(later);
    expect(existsSync(out)).toBe(false);
  });

  it('a wrong key fails every page of a batch and leaves no plaintext in the buffer', () => {
    const enc = resolveEncryption({ cipher: 'aegis256', hexkey: randomHexKey(32) });
    const codec = createPageFormat('turso', getCipher('aegis256'), enc.key, PS);
    const pages = new Uint8Array(readFileSync(db).subarray(PS, 9 * PS)); // pages 2..9
    const failures = pageBatch(codec, enc).decrypt(2, pages, 8);
    expect(failures.map((f) => f.pageNo)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(failures.every((f) => f.error instanceof AuthenticationError)).toBe(true);
    expect(pages.every((b) => b === 0)).toBe(true);
  });
});
