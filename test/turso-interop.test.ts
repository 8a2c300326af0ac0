/**
 * Turso interop both ways, with the real engine (@tursodatabase/database 0.7.2, a devDependency):
 * - files written through pageseal, every cipher, open in Turso with all rows;
 * - every golden file (written by Turso, test/fixtures/turso-golden/) opens through pageseal with
 *   all rows, including aegis256-4096-with-wal.db whose last 100 rows live only in its -wal;
 * - files Turso writes during the test open through pageseal.
 * The Turso 0.7.2 binding cannot open aegis256x4 files (its cipher option lacks it:
 * docs/format.md, "Turso 0.7.2 quirks"), so that cipher is checked with the offline page
 * codec instead: every page decrypts and the result is a valid SQLite file with all rows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CIPHER_SPECS, findCipherSpec, getCipher } from '../src/index.js';
import { createPageFormat } from '../src/format/page-codec.js';
import { decodeHexKey } from '../src/options.js';
import { scratchDir, randomHexKey, sha256File } from './helpers/files.js';
import { createEncrypted, insertRows, readEncrypted, readRows, type Key } from './helpers/pageseal.js';
import { expectedRowsSha256, rowsSha256, type Row } from './helpers/rows.js';
import { TURSO_CIPHERS, createTursoDb, loadTurso, readTursoRows } from './helpers/turso.js';
import { open, Database, AuthenticationError, FormatError } from '../src/index.js';
import type { CipherName } from '../src/ciphers/types.js';

const turso = await loadTurso();
const GOLDEN = join(process.cwd(), 'test', 'fixtures', 'turso-golden');

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-turso-');
});
afterEach(() => scratch.cleanup());

const keyFor = (cipher: CipherName): Key => ({ cipher, hexkey: randomHexKey(findCipherSpec(cipher).keySize) });

/** Decrypts every page with the offline codec into a plain SQLite file and reads its rows. */
function rowsViaOfflineCodec(path: string, key: Key): Row[] {
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
  const keyBytes = decodeHexKey(key.hexkey);
  const codec = createPageFormat('turso', getCipher(key.cipher), keyBytes, pageSize);
  for (let p = 1; p * pageSize <= bytes.length; p++) codec.decryptPage(p, bytes.subarray((p - 1) * pageSize, p * pageSize));
  codec.wipe();
  keyBytes.fill(0);
  const plainPath = path + '.plain';
  writeFileSync(plainPath, bytes);
  const db = new BetterSqlite3(plainPath, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return (db.prepare('SELECT id, name, blob FROM t ORDER BY id').all() as Row[]).map((r) => ({ ...r, blob: new Uint8Array(r.blob) }));
  } finally {
    db.close();
  }
}

describe.skipIf(!turso)('pageseal -> Turso', () => {
  for (const spec of CIPHER_SPECS) {
    for (const pageSize of [4096, 8192]) {
      const readable = (TURSO_CIPHERS as readonly string[]).includes(spec.name);
      it(`${spec.name}, page size ${pageSize}: ${readable ? 'Turso reads every row' : 'offline codec reads every row (Turso 0.7.2 cannot open aegis256x4)'}`, async () => {
        const path = join(scratch.dir, `${spec.name}.db`);
        const key = keyFor(spec.name);
        createEncrypted(path, { ...key, pageSize, journalMode: 'wal', rows: 400 });
        const rows = readable ? await readTursoRows(path, key) : rowsViaOfflineCodec(path, key);
        expect(rows).toHaveLength(400);
        expect(rowsSha256(rows)).toBe(expectedRowsSha256(400));
      });
    }
  }

  it('a file written by pageseal in rollback-journal mode opens in Turso', async () => {
    const path = join(scratch.dir, 'delete.db');
    const key = keyFor('aegis128l');
    createEncrypted(path, { ...key, journalMode: 'delete', rows: 250 });
    expect(rowsSha256(await readTursoRows(path, key))).toBe(expectedRowsSha256(250));
  });
});

interface GoldenEntry {
  file: string;
  wal_file: string | null;
  cipher: CipherName;
  hexkey: string;
  page_size: number;
  file_sha256: string;
  expected_row_count: number;
  rows_sha256: string;
}

const manifestPath = join(GOLDEN, 'MANIFEST.json');
const golden: GoldenEntry[] = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: GoldenEntry[] }).files : [];

describe('golden files written by Turso -> pageseal', () => {
  it('the fixtures are there', () => {
    expect(golden.length).toBeGreaterThanOrEqual(15);
    expect(golden.some((g) => g.wal_file !== null)).toBe(true);
  });

  for (const g of golden) {
    it(`${g.file}${g.wal_file ? ' + its -wal' : ''}: ${g.expected_row_count} rows`, () => {
      const path = join(scratch.dir, g.file);
      copyFileSync(join(GOLDEN, g.file), path);
      if (g.wal_file) copyFileSync(join(GOLDEN, g.wal_file), path + '-wal');
      const key = { cipher: g.cipher, hexkey: g.hexkey };
      const db = open(path, { encryption: key });
      try {
        const rows = readRows(db);
        expect(rows).toHaveLength(g.expected_row_count);
        expect(rowsSha256(rows)).toBe(g.rows_sha256);
        expect(db.pragma('page_size', { simple: true })).toBe(g.page_size);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
      // The fixture itself is the file Turso wrote (tests work on copies).
      expect(sha256File(join(GOLDEN, g.file))).toBe(g.file_sha256);
    });
  }

  it('readonly: true still reads the rows left in a Turso -wal', () => {
    const g = golden.find((e) => e.wal_file !== null)!;
    const path = join(scratch.dir, g.file);
    copyFileSync(join(GOLDEN, g.file), path);
    copyFileSync(join(GOLDEN, g.wal_file!), path + '-wal');
    const db = open(path, { encryption: { cipher: g.cipher, hexkey: g.hexkey }, readonly: true });
    try {
      expect(rowsSha256(readRows(db))).toBe(g.rows_sha256);
    } finally {
      db.close();
    }
  });

  it('a wrong key on a file with a Turso -wal: AuthenticationError on page 1, neither file changed', () => {
    const g = golden.find((e) => e.wal_file !== null)!;
    const path = join(scratch.dir, g.file);
    copyFileSync(join(GOLDEN, g.file), path);
    copyFileSync(join(GOLDEN, g.wal_file!), path + '-wal');
    const before = [sha256File(path), sha256File(path + '-wal')];
    const wrong = { cipher: g.cipher, hexkey: randomHexKey(32) };
    let err: unknown;
    try {
      open(path, { encryption: wrong });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).pageNumber).toBe(1);
    expect([sha256File(path), sha256File(path + '-wal')]).toEqual(before);
  });

  it('the pragma path reads the rows left in a Turso -wal as they are (no fold)', () => {
    const g = golden.find((e) => e.wal_file !== null)!;
    const path = join(scratch.dir, g.file);
    copyFileSync(join(GOLDEN, g.file), path);
    copyFileSync(join(GOLDEN, g.wal_file!), path + '-wal');
    const mainBefore = sha256File(path);
    const db = new Database(path); // no encryption option: nothing could be folded before SQLite sees the -wal
    try {
      db.pragma(`cipher = '${g.cipher}'`);
      db.pragma(`hexkey = '${g.hexkey}'`);
      expect(rowsSha256(readRows(db))).toBe(g.rows_sha256);
      expect(sha256File(path)).toBe(mainBefore); // recovery read the -wal; nothing was checkpointed yet
    } finally {
      db.close();
    }
  });

  it.skipIf(!turso)('a golden file updated through pageseal still opens in Turso', async () => {
    const g = golden.find((e) => e.wal_file !== null)!;
    const path = join(scratch.dir, g.file);
    copyFileSync(join(GOLDEN, g.file), path);
    copyFileSync(join(GOLDEN, g.wal_file!), path + '-wal');
    const key = { cipher: g.cipher, hexkey: g.hexkey };
    const db = open(path, { encryption: key });
    insertRows(db, g.expected_row_count + 1, g.expected_row_count + 50);
    db.close();
    const n = g.expected_row_count + 50;
    expect(rowsSha256(await readTursoRows(path, key))).toBe(expectedRowsSha256(n));
  });
});

describe.skipIf(!turso)('files Turso writes during the test -> pageseal', () => {
  for (const cipher of TURSO_CIPHERS) {
    it(`${cipher}, checkpointed`, async () => {
      const path = join(scratch.dir, `${cipher}.db`);
      const key = keyFor(cipher);
      await createTursoDb(path, { ...key, rows: 300 });
      expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(300));
    });
  }

  for (const pageSize of [1024, 8192, 65536]) {
    it(`aegis256x2 at page size ${pageSize}`, async () => {
      const path = join(scratch.dir, `ps${pageSize}.db`);
      const key = keyFor('aegis256x2');
      await createTursoDb(path, { ...key, pageSize, rows: 300 });
      const db = open(path, { encryption: key });
      try {
        expect(db.pragma('page_size', { simple: true })).toBe(pageSize);
        expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(300));
      } finally {
        db.close();
      }
    });
  }

  for (const cipher of ['aegis256', 'aes128gcm', 'aegis128x4'] as const) {
    it(`${cipher}: committed rows left only in Turso's -wal are all read`, async () => {
      const path = join(scratch.dir, `${cipher}-wal.db`);
      const key = keyFor(cipher);
      await createTursoDb(path, { ...key, rows: 200, walRows: 120 });
      expect(statSync(path + '-wal').size).toBeGreaterThan(0); // Turso's close() did not checkpoint
      expect(rowsSha256(readEncrypted(path, key))).toBe(expectedRowsSha256(320));
      // And Turso still reads the file after pageseal folded and checkpointed it.
      expect(rowsSha256(await readTursoRows(path, key))).toBe(expectedRowsSha256(320));
    });
  }
});
