/**
 * Every file written by the real Turso engine (test/fixtures/turso-golden/) is read by pageseal's
 * tools: info from the plaintext header, verify, decrypt to a plain file that stock better-sqlite3
 * opens with the expected rows, and re-encrypt with fresh nonces that decrypts back to the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableBackends } from '../src/ciphers/registry.js';
import { decryptFile, encryptFile, info, verifyFile } from '../src/tools/index.js';
import { TURSO_CIPHERS, loadTurso, readTursoRows } from './helpers/turso.js';
import { rowsSha256 } from './helpers/rows.js';
import { MANIFEST, copyGolden, pageNonces, readBack, removeDir, sha256File, tempDir, type GoldenFile } from './helpers/golden.js';

const tursoInstalled = (await loadTurso()) !== null;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

describe.each(MANIFEST.files)('golden $file', (g: GoldenFile) => {
  let dir: string;
  let db: string;
  const opts = { cipher: g.cipher, hexkey: g.hexkey };

  beforeAll(() => {
    dir = tempDir();
    db = copyGolden(g, dir);
  });
  afterAll(() => removeDir(dir));

  it('info reads cipher, page size and page count from the plaintext header', () => {
    const i = info(db);
    expect(i).toMatchObject({ format: 'turso', cipher: g.cipher, cipherId: g.cipher_id, pageSize: g.page_size, reservedBytes: g.reserved_bytes });
    if (g.wal_file) {
      expect(i.walPresent).toBe(true);
      expect(i.walFrames).toBe(g.wal_frames);
      expect(i.pageCount).toBeGreaterThan(g.file_pages);
    } else {
      expect(i).toMatchObject({ pageCount: g.file_pages, walPresent: false });
    }
  });

  it.each(availableBackends())('verify authenticates every page and committed WAL frame (%s backend)', (backend) => {
    const r = verifyFile(db, { ...opts, backend });
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ ok: true, pagesChecked: g.file_pages, framesChecked: g.wal_frames ?? 0, walFramesIgnored: 0 });
  });

  it.each(availableBackends())('decrypts to a plain database stock better-sqlite3 reads (%s backend)', (backend) => {
    const out = join(dir, `plain-${backend}.db`);
    const r = decryptFile(db, out, { ...opts, backend });
    expect(r.walFrames).toBe(g.wal_frames ?? 0);
    expect(info(out)).toMatchObject({ format: 'sqlite', pageSize: g.page_size, reservedBytes: g.reserved_bytes, walPresent: false });
    expect(readBack(out)).toEqual({ integrity: 'ok', count: g.expected_row_count, sha: g.rows_sha256 });
    expect(g.expected_row_count).toBe(g.wal_file ? 600 : 500);
  });

  it('never modifies its input and leaves no temporary files', () => {
    expect(sha256File(db)).toBe(g.file_sha256);
    if (g.wal_file) expect(sha256File(db + '-wal')).toBe(g.wal_sha256);
    expect(readdirSync(dir).filter((n) => n.includes('pageseal-tmp'))).toEqual([]);
  });

  it('decrypted pages keep a zeroed reserved tail', () => {
    const out = join(dir, 'plain-tail.db');
    decryptFile(db, out, opts);
    const bytes = readFileSync(out);
    for (let at = 0; at < bytes.length; at += g.page_size) {
      const tail = bytes.subarray(at + g.page_size - g.reserved_bytes, at + g.page_size);
      expect(tail.every((b) => b === 0)).toBe(true);
    }
  });

  it('re-encrypts with fresh nonces, and the result decrypts back to the same rows', () => {
    const plain = join(dir, 'plain-re.db');
    const again = join(dir, 'again.db');
    const back = join(dir, 'back.db');
    decryptFile(db, plain, opts);
    encryptFile(plain, again, opts);
    expect(info(again)).toMatchObject({ format: 'turso', cipher: g.cipher, pageSize: g.page_size });
    expect([...readFileSync(again).subarray(16, 24)]).toEqual([...readFileSync(db).subarray(16, 24)]); // page size, versions 18/19, reserve
    expect(verifyFile(again, opts)).toMatchObject({ ok: true, failureCount: 0 });

    const old = new Set(pageNonces(db, g.page_size, g.nonce_bytes));
    if (g.wal_file) {
      for (const n of pageNonces(db + '-wal', g.page_size, g.nonce_bytes, WAL_HEADER + FRAME_HEADER, FRAME_HEADER + g.page_size)) old.add(n);
    }
    const fresh = pageNonces(again, g.page_size, g.nonce_bytes);
    expect(new Set(fresh).size).toBe(fresh.length);
    for (const n of fresh) expect(old.has(n)).toBe(false);

    decryptFile(again, back, opts);
    expect(readBack(back)).toEqual({ integrity: 'ok', count: g.expected_row_count, sha: g.rows_sha256 });
  });

  it.runIf(tursoInstalled && (TURSO_CIPHERS as readonly string[]).includes(g.cipher))(
    'the real Turso engine reads the file pageseal re-encrypted',
    async () => {
      const plain = join(dir, 'plain-turso.db');
      const again = join(dir, 'again-turso.db');
      decryptFile(db, plain, opts);
      encryptFile(plain, again, opts);
      const rows = await readTursoRows(again, opts);
      expect({ count: rows.length, sha: rowsSha256(rows) }).toEqual({ count: g.expected_row_count, sha: g.rows_sha256 });
    },
  );

  it.runIf(g.main_file_only !== undefined)('without its -wal, the main file alone holds the checkpointed rows', () => {
    const alone = tempDir();
    try {
      const copy = copyGolden(g, alone, false);
      decryptFile(copy, join(alone, 'plain.db'), opts);
      expect(readBack(join(alone, 'plain.db'))).toEqual({ integrity: 'ok', count: g.main_file_only!.row_count, sha: g.main_file_only!.rows_sha256 });
    } finally {
      removeDir(alone);
    }
  });
});
