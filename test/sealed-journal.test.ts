/**
 * Sealed rollback journal (docs/logs.md): page images stored as in the database, record checksums over
 * the stored bytes (stock SQLite restores the encrypted pages), and every segment authenticated with the
 * key, so a truncated or altered hot journal is refused before anything is played back. A hot journal of
 * pageseal 0.1.0 (plaintext checksums) still recovers.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, FormatError } from '../src/index.js';
import { randomHexKey, scratchDir, sha256File } from './helpers/files.js';
import { runScript } from './helpers/run-script.js';
import { baseHash, stateOf } from './helpers/journal-state.js';

const KEY = { cipher: 'aes256gcm' as const, hexkey: randomHexKey(32) };
const ROWS = 60;
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'old-logs');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'MANIFEST.json'), 'utf8'));
const MAGIC = Buffer.from('d9d505f920a163d7', 'hex');

let scratch: ReturnType<typeof scratchDir>;
let base: string; // a database + hot journal left by a killed writer
let counter = 0;

beforeAll(async () => {
  scratch = scratchDir('pageseal-sealed-journal-');
  base = join(scratch.dir, 'base.db');
  await runScript('hot-journal-child.ts', [base, KEY.cipher, String(ROWS)], { PAGESEAL_TEST_HEXKEY: KEY.hexkey }).catch(() => undefined);
}, 60_000);
afterAll(() => scratch.cleanup());

function copyBase(): string {
  const path = join(scratch.dir, `j${++counter}.db`);
  copyFileSync(base, path);
  copyFileSync(base + '-journal', path + '-journal');
  return path;
}

/** SQLite's record checksum: the nonce plus the bytes at P-200, P-400, ... > 0. */
function recordSum(nonce: number, page: Buffer): number {
  let s = nonce;
  for (let i = page.length - 200; i > 0; i -= 200) s = (s + page[i]!) >>> 0;
  return s >>> 0;
}

describe('the journal as stored', () => {
  it('is hot, marked, and every record of the first segment carries a checksum over its stored bytes; page 1 is stored as in the database', () => {
    const j = readFileSync(base + '-journal');
    expect(j.subarray(0, 8).equals(MAGIC)).toBe(true);
    expect(j.subarray(28, 32).toString('latin1')).toBe('PSJ1');
    const nRec = j.readUInt32BE(8);
    const nonce = j.readUInt32BE(12);
    const sector = j.readUInt32BE(20);
    const page = j.readUInt32BE(24);
    expect(nRec).toBeGreaterThan(1);
    let sawPage1 = false;
    for (let r = 0, at = sector; r < nRec; r++, at += page + 8) {
      const pgno = j.readUInt32BE(at);
      const img = j.subarray(at + 4, at + 4 + page);
      expect(j.readUInt32BE(at + 4 + page)).toBe(recordSum(nonce, img));
      if (pgno === 1) {
        sawPage1 = true;
        expect(img.subarray(0, 5).toString('latin1')).toBe('Turso');
      }
    }
    expect(sawPage1).toBe(true);
  });
});

describe('hot journal playback', () => {
  it('pageseal plays it back: the committed state', () => {
    const path = copyBase();
    expect(stateOf(path, KEY)).toEqual({ integrity: 'ok', rows: ROWS, hash: baseHash(ROWS) });
  });

  it('stock better-sqlite3 without pageseal plays it back first: the committed state, through pageseal after', async () => {
    const path = copyBase();
    expect((await runScript('stock-sqlite.ts', [path], {})).trim()).toBe('error SQLITE_NOTADB');
    expect(stateOf(path, KEY)).toEqual({ integrity: 'ok', rows: ROWS, hash: baseHash(ROWS) });
  });

  it('a hot journal of pageseal 0.1.0 (plaintext checksums, page 1 stored like any page) still recovers', () => {
    const f = manifest.files['old-journal.db'];
    const path = join(scratch.dir, `old${++counter}.db`);
    copyFileSync(join(FIXTURES, 'old-journal.db'), path);
    copyFileSync(join(FIXTURES, f.log), path + '-journal');
    const db = open(path, { encryption: { cipher: manifest.cipher, hexkey: manifest.hexkey } });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT count(*) AS n, sum(length(v)) AS total FROM t').get()).toEqual({ n: f.rows, total: f.sumLength });
    } finally {
      db.close();
    }
  });
});

describe('a damaged hot journal is refused before playback, files unchanged', () => {
  const j = () => readFileSync(base + '-journal');
  const page = () => j().readUInt32BE(24);
  const sector = () => j().readUInt32BE(20);
  const flip = (at: () => number, bit = 0) => (b: Buffer) => {
    b[at()]! ^= 1 << bit;
    return b;
  };
  const cases: [string, (b: Buffer) => Buffer | number][] = [
    ['record count', flip(() => 11)],
    ['checksum nonce', flip(() => 15)],
    ['initial database size', flip(() => 19)],
    ['sector size', flip(() => 21, 1)],
    ['page size', flip(() => 26, 1)],
    ['marker', flip(() => 29)],
    ['segment tag', flip(() => 40)],
    ['segment count', flip(() => 83)],
    ['page number of record 2', flip(() => sector() + page() + 8 + 3)],
    ['checksum of record 1', flip(() => sector() + 4 + page() + 3)],
    ['page image of record 2', flip(() => sector() + page() + 8 + 4 + 700, 3)],
    ['truncated to 1 byte', () => 1],
    ['truncated inside the magic', () => 7],
    ['truncated inside the header', () => 100],
    ['magic', flip(() => 3)],
    ['truncated inside record 2', () => sector() + page() + 8 + 1000],
    ['truncated after record 1', () => sector() + page() + 8],
  ];
  for (const [name, damage] of cases) {
    it(name, () => {
      const path = copyBase();
      const d = damage(j());
      if (typeof d === 'number') truncateSync(path + '-journal', d);
      else writeFileSync(path + '-journal', d);
      const before = [sha256File(path), sha256File(path + '-journal')];
      const got = stateOf(path, KEY);
      expect('error' in got).toBe(true);
      const err = (got as { error: unknown }).error;
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toMatch(/hot journal .* not played back and nothing was changed/);
      expect([sha256File(path), sha256File(path + '-journal')]).toEqual(before);
    });
  }
});

describe('a journal of many segments (a big transaction that spilled again and again)', () => {
  let many: string;
  const ROWS_MANY = 600;
  beforeAll(async () => {
    many = join(scratch.dir, 'many.db');
    await runScript('hot-journal-child.ts', [many, KEY.cipher, String(ROWS_MANY)], { PAGESEAL_TEST_HEXKEY: KEY.hexkey }).catch(() => undefined);
  }, 60_000);

  /** Offsets of the segment headers SQLite would play, and the count in the first header. */
  function segments(j: Buffer): { offsets: number[]; count: number } {
    const sector = j.readUInt32BE(20);
    const page = j.readUInt32BE(24);
    const offsets: number[] = [];
    for (let off = 0; off + sector <= j.length && j.subarray(off, off + 8).equals(MAGIC); ) {
      offsets.push(off);
      off = Math.ceil((off + sector + j.readUInt32BE(off + 8) * (page + 8)) / sector) * sector;
    }
    return { offsets, count: j.readUInt32BE(80) };
  }

  function copyMany(): string {
    const path = join(scratch.dir, `m${++counter}.db`);
    copyFileSync(many, path);
    copyFileSync(many + '-journal', path + '-journal');
    return path;
  }

  it('every segment is tagged and counted; pageseal and stock SQLite both restore the committed state', async () => {
    const s = segments(readFileSync(many + '-journal'));
    expect(s.offsets.length).toBeGreaterThan(3);
    expect(s.count).toBe(s.offsets.length);
    expect(stateOf(copyMany(), KEY)).toEqual({ integrity: 'ok', rows: ROWS_MANY, hash: baseHash(ROWS_MANY) });
    const path = copyMany();
    expect((await runScript('stock-sqlite.ts', [path], {})).trim()).toBe('error SQLITE_NOTADB');
    expect(stateOf(path, KEY)).toEqual({ integrity: 'ok', rows: ROWS_MANY, hash: baseHash(ROWS_MANY) });
  });

  const damages: [string, (j: Buffer, offsets: number[]) => Buffer | number][] = [
    ['the last segments cut off at a segment boundary', (_j, o) => o[Math.floor(o.length / 2)]!],
    ['the magic of a later segment damaged (SQLite would stop there)', (j, o) => ((j[o[2]!]! ^= 0x10), j)],
    ['two segments of the same size swapped', (j, o) => {
      const size = (i: number) => o[i + 1]! - o[i]!;
      const i = [...Array(o.length - 3).keys()].find((k) => size(k + 1) === size(k + 2) || size(k + 1) === size(k + 3));
      if (i === undefined) throw new Error('no two segments of one size');
      const k = size(i + 1) === size(i + 2) ? i + 2 : i + 3;
      const a = Buffer.from(j.subarray(o[i + 1]!, o[i + 2]!));
      const b = Buffer.from(j.subarray(o[k]!, o[k + 1]!));
      a.copy(j, o[k]!);
      b.copy(j, o[i + 1]!);
      return j;
    }],
    ['the segment count lowered', (j) => (j.writeUInt32BE(j.readUInt32BE(80) - 1, 80), j)],
  ];
  for (const [name, damage] of damages) {
    it(name, () => {
      const path = copyMany();
      const j = readFileSync(path + '-journal');
      const d = damage(j, segments(Buffer.from(j)).offsets);
      if (typeof d === 'number') truncateSync(path + '-journal', d);
      else writeFileSync(path + '-journal', d);
      const before = [sha256File(path), sha256File(path + '-journal')];
      const got = stateOf(path, KEY);
      expect((got as { error?: unknown }).error).toBeInstanceOf(FormatError);
      expect([sha256File(path), sha256File(path + '-journal')]).toEqual(before);
    });
  }
});
