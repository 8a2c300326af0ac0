/**
 * A WAL frame replayed from an earlier WAL generation, with its header's salts and the whole checksum
 * chain rewritten (the chain is not keyed, so anyone can): Turso's format accepts the older page
 * silently; pageseal's format binds the salts and frame number into the page, so recovery fails
 * with AuthenticationError. Needs the WAL checksums over the stored bytes (issue 10).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthenticationError, open, type EncryptionOpts } from '../src/index.js';
import { parseWalHeader, walChecksum, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE } from '../src/format/wal.js';
import { scratchDir } from './helpers/files.js';

const { dir, cleanup } = scratchDir('pageseal-replay-');
afterAll(cleanup);
const HEX = '21'.repeat(32);

/** Frames of a WAL file: [offset, page number]. */
function frames(wal: Buffer): Array<[number, number]> {
  const page = wal.readUInt32BE(8);
  const out: Array<[number, number]> = [];
  for (let at = WAL_HEADER_SIZE; at + WAL_FRAME_HEADER_SIZE + page <= wal.length; at += WAL_FRAME_HEADER_SIZE + page) out.push([at, wal.readUInt32BE(at)]);
  return out;
}

/** Recomputes the checksum of every frame over its stored bytes, as an attacker can. */
function rechain(wal: Buffer): void {
  const h = parseWalHeader(wal.subarray(0, WAL_HEADER_SIZE))!;
  const sum = Uint32Array.of(h.checksum1, h.checksum2);
  const page = h.pageSize;
  for (const [at] of frames(wal)) {
    walChecksum(wal.subarray(at, at + 8), h.bigEndianChecksum, sum);
    walChecksum(wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + WAL_FRAME_HEADER_SIZE + page), h.bigEndianChecksum, sum);
    wal.writeUInt32BE(sum[0]!, at + 16);
    wal.writeUInt32BE(sum[1]!, at + 20);
  }
}

function scenario(name: string, enc: EncryptionOpts): { path: string } {
  const path = join(dir, `${name}.db`);
  const w = open(path, { encryption: enc });
  w.pragma('journal_mode = wal');
  w.pragma('wal_autocheckpoint = 0');
  w.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'start')");
  w.pragma('wal_checkpoint(TRUNCATE)');
  w.exec("UPDATE t SET v = 'old' WHERE id = 1");
  const oldWal = readFileSync(path + '-wal'); // generation 1: page 2 says 'old'
  w.pragma('wal_checkpoint(TRUNCATE)'); // the next write starts generation 2 (new salts)
  w.exec("UPDATE t SET v = 'new' WHERE id = 1");
  const copy = join(dir, `${name}-copy.db`);
  copyFileSync(path, copy);
  const wal = readFileSync(path + '-wal');
  w.close();
  const page = wal.readUInt32BE(8);
  const [oldAt] = frames(oldWal).find(([, p]) => p === 2)!;
  const [newAt] = frames(wal).find(([, p]) => p === 2)!;
  expect(oldWal.subarray(16, 24).equals(wal.subarray(16, 24))).toBe(false); // another generation
  oldWal.copy(wal, newAt + WAL_FRAME_HEADER_SIZE, oldAt + WAL_FRAME_HEADER_SIZE, oldAt + WAL_FRAME_HEADER_SIZE + page);
  rechain(wal);
  writeFileSync(copy + '-wal', wal);
  return { path: copy };
}

describe('WAL frame replayed from an earlier generation', () => {
  it("Turso's format: the older row comes back silently", () => {
    const enc: EncryptionOpts = { cipher: 'aegis256', hexkey: HEX };
    const { path } = scenario('turso', enc);
    const db = open(path, { encryption: enc });
    expect(db.prepare('SELECT v FROM t WHERE id = 1').pluck().get()).toBe('old');
    db.close();
  });

  it("pageseal's format: AuthenticationError", () => {
    const enc: EncryptionOpts = { cipher: 'aegis256', hexkey: HEX, format: 'pageseal' };
    const { path } = scenario('pageseal', enc);
    let err: unknown;
    try {
      const db = open(path, { encryption: enc });
      db.prepare('SELECT v FROM t WHERE id = 1').pluck().get();
      db.close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthenticationError);
  });
});
