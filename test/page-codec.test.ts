/**
 * The page codec on its own: every cipher at every page size SQLite allows, fresh nonces, in-place and
 * separate buffers, typed errors; and whole databases built by stock better-sqlite3 on an empty
 * reserve-carrying file, encrypted and decrypted back at the smallest and largest page sizes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuthenticationError, FormatError } from '../src/errors.js';
import { CIPHER_SPECS, getCipher } from '../src/ciphers/registry.js';
import { createPageFormat } from '../src/format/page-codec.js';
import { createEmptyDatabase, emptyDatabasePage } from '../src/format/empty-database.js';
import { parseSqliteHeader } from '../src/format/sqlite-header.js';
import { walChecksum } from '../src/format/wal.js';
import { decryptFile, encryptFile, info, verifyFile } from '../src/tools/index.js';
import { makeRows, rowsSha256, SCHEMA } from './helpers/rows.js';
import { readBack, removeDir, tempDir } from './helpers/golden.js';
import { loadTurso, readTursoRows } from './helpers/turso.js';

const tursoInstalled = (await loadTurso()) !== null;

const PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

function keyFor(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => i * 7 + 1);
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A plaintext page as SQLite would hand it over: content, then a zeroed reserved tail. */
function samplePage(pageSize: number, reserved: number, pageNo: number): Uint8Array {
  const page = pageNo === 1 ? emptyDatabasePage(pageSize, reserved) : new Uint8Array(pageSize);
  for (let i = pageNo === 1 ? 108 : 0; i < pageSize - reserved; i++) page[i] = (i * 13 + pageNo) & 0xff;
  return page;
}

describe.each(CIPHER_SPECS.map((s) => s.name))('%s page codec', (name) => {
  const cipher = getCipher(name);
  const key = keyFor(cipher.keySize);

  it.each(PAGE_SIZES)('page size %i: round trip of page 1 and a later page, or a clear refusal', (pageSize) => {
    if (pageSize - cipher.reservedBytes < 480) {
      expect(() => createPageFormat('turso', cipher, key, pageSize)).toThrow(/usable bytes/);
      return;
    }
    const codec = createPageFormat('turso', cipher, key, pageSize);
    for (const pageNo of [1, 2, 70000]) {
      const plain = samplePage(pageSize, cipher.reservedBytes, pageNo);
      const sealed = codec.encryptPage(pageNo, plain, {}, new Uint8Array(pageSize));
      if (pageNo === 1) {
        expect(Buffer.from(sealed.subarray(0, 7)).toString('latin1')).toBe(`Turso\0${String.fromCharCode(cipher.id)}`);
        expect(sealed.subarray(7, 16).every((b) => b === 0)).toBe(true);
        expect(hexOf(sealed.subarray(16, 100))).toBe(hexOf(plain.subarray(16, 100)));
      }
      expect(hexOf(sealed.subarray(pageNo === 1 ? 100 : 0, pageSize - cipher.reservedBytes))).not.toBe(hexOf(plain.subarray(pageNo === 1 ? 100 : 0, pageSize - cipher.reservedBytes)));
      expect(hexOf(codec.decryptPage(pageNo, sealed))).toBe(hexOf(plain));
    }
    codec.wipe();
  });

  it('uses a fresh nonce for every encryption, in place or into another buffer', () => {
    const codec = createPageFormat('turso', cipher, key, 4096);
    const plain = samplePage(4096, cipher.reservedBytes, 5);
    const a = codec.encryptPage(5, plain, {}, new Uint8Array(4096));
    const b = codec.encryptPage(5, Uint8Array.from(plain));
    const nonce = (p: Uint8Array) => hexOf(p.subarray(4096 - cipher.nonceSize));
    expect(nonce(a)).not.toBe(nonce(b));
    expect(hexOf(a)).not.toBe(hexOf(b));
    expect(hexOf(codec.decryptPage(5, b))).toBe(hexOf(plain));
    codec.wipe();
  });

  it('a failed decryption throws with the page number and leaves the output untouched', () => {
    const codec = createPageFormat('turso', cipher, key, 4096);
    const sealed = codec.encryptPage(9, samplePage(4096, cipher.reservedBytes, 9));
    sealed[4096 - cipher.reservedBytes]! ^= 1; // first tag byte
    const out = new Uint8Array(4096).fill(0xaa);
    const err = (() => {
      try {
        codec.decryptPage(9, sealed, {}, out);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).pageNumber).toBe(9);
    expect(out.every((b) => b === 0xaa)).toBe(true);
    codec.wipe();
  });
});

describe('page codec errors', () => {
  const gcm = getCipher('aes128gcm');
  const key = keyFor(16);

  it('refuses page sizes SQLite does not allow', () => {
    for (const size of [0, 256, 1000, 4095, 131072]) {
      const err = (() => {
        try {
          createPageFormat('turso', gcm, key, size);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).code).toBe('UNSUPPORTED_PAGE_SIZE');
    }
  });

  it('page 1 must be a SQLite page with the cipher reserve', () => {
    const codec = createPageFormat('turso', gcm, key, 4096);
    expect(() => codec.encryptPage(1, new Uint8Array(4096))).toThrow(FormatError);
    expect(() => codec.encryptPage(1, emptyDatabasePage(4096, 48))).toThrow(/needs 28/);
    const sealed = codec.encryptPage(1, emptyDatabasePage(4096, 28));
    const other = createPageFormat('turso', getCipher('aes256gcm'), keyFor(32), 4096);
    expect(() => other.decryptPage(1, sealed)).toThrow(/encrypted with aes128gcm \(cipher id 1\), not with aes256gcm/);
  });

  it('the key never shows in the codec string', () => {
    const codec = createPageFormat('turso', gcm, Uint8Array.from({ length: 16 }, () => 0xab), 4096);
    expect(String(codec)).not.toMatch(/abab/i);
  });
});

describe('SQLite header and WAL checksum', () => {
  it('page size field 1 means 65536; the in-header size needs version-valid-for', () => {
    const h = parseSqliteHeader(emptyDatabasePage(65536, 0));
    expect(h).toMatchObject({ pageSize: 65536, reservedBytes: 0, databaseSizePages: 1, writeVersion: 1, readVersion: 1 });
  });

  it('the checksum adds word pairs in the byte order the magic selects', () => {
    // words 1, 2: s0 = 1 + 0 = 1, s1 = 2 + 1 = 3; then 3, 4: s0 = 1 + 3 + 3 = 7, s1 = 3 + 4 + 7 = 14
    const be = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4);
    expect([...walChecksum(be, true, new Uint32Array(2))]).toEqual([7, 14]);
    const le = Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0);
    expect([...walChecksum(le, false, new Uint32Array(2))]).toEqual([7, 14]);
    expect([...walChecksum(Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 0), true, Uint32Array.of(1, 0))]).toEqual([0, 0]);
  });
});

describe('databases written by stock better-sqlite3 on a reserve-carrying empty file', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeDir(dir));

  it.runIf(tursoInstalled)('the real Turso engine reads such a file once encrypted (rollback-journal header, versions 1/1)', async () => {
    const plain = join(dir, 'for-turso-plain.db');
    const enc = join(dir, 'for-turso.db');
    createEmptyDatabase(plain, 4096, 48);
    const db = new Database(plain);
    for (const sql of SCHEMA) db.exec(sql);
    const insert = db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)');
    for (const r of makeRows(1, 50)) insert.run(r.id, r.name, Buffer.from(r.blob));
    db.close();
    const opts = { cipher: 'aegis256', hexkey: '11'.repeat(32) } as const;
    encryptFile(plain, enc, opts);
    const rows = await readTursoRows(enc, opts);
    expect(rowsSha256(rows)).toBe(rowsSha256(makeRows(1, 50)));
  });

  const cases: [string, number][] = CIPHER_SPECS.flatMap((s) => [
    [s.name, 65536] as [string, number],
    [s.name, s.reservedBytes <= 32 ? 512 : 1024] as [string, number],
  ]);

  it.each(cases)('%s at page size %i: encrypt, verify, decrypt back to the same rows', (name, pageSize) => {
    const spec = getCipher(name);
    const plain = join(dir, `${name}-${pageSize}-plain.db`);
    createEmptyDatabase(plain, pageSize, spec.reservedBytes);
    const db = new Database(plain);
    for (const sql of SCHEMA) db.exec(sql);
    const insert = db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const r of makeRows(1, 120)) insert.run(r.id, r.name, Buffer.from(r.blob));
    })();
    db.close();

    const opts = { cipher: spec.name, hexkey: hexOf(keyFor(spec.keySize)) };
    const enc = join(dir, `${name}-${pageSize}.db`);
    const back = join(dir, `${name}-${pageSize}-back.db`);
    encryptFile(plain, enc, opts);
    expect(info(enc)).toMatchObject({ format: 'turso', cipher: name, pageSize, reservedBytes: spec.reservedBytes });
    expect(verifyFile(enc, opts).ok).toBe(true);
    decryptFile(enc, back, opts);
    expect(readBack(back)).toEqual({ integrity: 'ok', count: 120, sha: rowsSha256(makeRows(1, 120)) });
  });
});
