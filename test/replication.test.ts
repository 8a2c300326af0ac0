/**
 * WAL shipping (docs/api.md, "Replication"): a replicator that knows no key reads the primary's -wal,
 * checks each frame's checksum chain over the file's bytes, copies committed frames into a replica on
 * another path; the replica opens with the key and holds what the primary committed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database } from '../src/index.js';
import { fileContains, randomHexKey, scratchDir } from './helpers/files.js';
import { shipWal } from './helpers/wal-ship.js';

let scratch: ReturnType<typeof scratchDir>;
beforeAll(() => {
  scratch = scratchDir('pageseal-replication-');
});
afterAll(() => scratch.cleanup());

const rowsOf = (db: Database) => db.prepare('SELECT id, v FROM t ORDER BY id').all();

for (const cipher of ['aegis256', 'aes128gcm'] as const) {
  describe(`${cipher}: a replica built from shipped WAL frames`, () => {
    it('opens with the key and holds every committed row, across checkpoints, without the replicator seeing plaintext', () => {
      const key = { cipher, hexkey: randomHexKey(cipher === 'aes128gcm' ? 16 : 32) };
      const primaryPath = join(scratch.dir, `${cipher}-primary.db`);
      const replicaPath = join(scratch.dir, `${cipher}-replica.db`);
      const primary = open(primaryPath, { encryption: key });
      primary.pragma('journal_mode = wal');
      primary.pragma('wal_autocheckpoint = 0'); // the replicator decides when (Litestream holds checkpoints back too)
      primary.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
      primary.pragma('wal_checkpoint(TRUNCATE)');
      copyFileSync(primaryPath, replicaPath); // the snapshot a replica starts from
      const ins = primary.prepare('INSERT INTO t(v) VALUES (?)');
      let shipped = 0;
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 30; i++) ins.run(`secret-${round}-${i}-` + 'q'.repeat(i * 20));
        primary.transaction(() => {
          for (let i = 0; i < 200; i++) ins.run(`bulk-${round}-${i}`);
          primary.prepare('UPDATE t SET v = v || ? WHERE id % 7 = 0').run('!');
        })();
        const s = shipWal(primaryPath + '-wal', replicaPath);
        expect(s.rejected).toBe(0);
        expect(s.applied).toBe(s.verified); // every frame belongs to a committed transaction
        shipped += s.applied;
        // After shipping, the primary may checkpoint and restart its log (a new generation of frames).
        primary.pragma('wal_checkpoint(RESTART)');
      }
      expect(shipped).toBeGreaterThan(100);
      expect(fileContains(replicaPath, 'secret-')).toBe(false);
      const expected = rowsOf(primary);
      primary.close();
      const replica = open(replicaPath, { encryption: key, readonly: true });
      try {
        expect(replica.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(rowsOf(replica)).toEqual(expected);
      } finally {
        replica.close();
      }
    });

    it('refuses to ship past a frame whose bytes were altered', () => {
      const key = { cipher, hexkey: randomHexKey(cipher === 'aes128gcm' ? 16 : 32) };
      const primaryPath = join(scratch.dir, `${cipher}-p2.db`);
      const replicaPath = join(scratch.dir, `${cipher}-r2.db`);
      const primary = open(primaryPath, { encryption: key });
      primary.pragma('journal_mode = wal');
      primary.pragma('wal_autocheckpoint = 0');
      primary.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
      primary.pragma('wal_checkpoint(TRUNCATE)');
      copyFileSync(primaryPath, replicaPath);
      for (let i = 0; i < 5; i++) primary.prepare('INSERT INTO t(v) VALUES (?)').run('x' + i);
      const walCopy = join(scratch.dir, `${cipher}-w2.wal`);
      const wal = readFileSync(primaryPath + '-wal');
      primary.close();
      const pageSize = wal.readUInt32BE(8);
      wal[32 + 2 * (24 + pageSize) + 24 + 10]! ^= 4; // a page byte of frame 3
      writeFileSync(walCopy, wal);
      const s = shipWal(walCopy, replicaPath);
      expect(s.rejected).toBe(1);
      expect(s.verified).toBe(2);
    });
  });
}
