/**
 * One process of the multi-process WAL test (test/sealed-wal.test.ts).
 * Usage: wal-worker.ts <db> <cipher> write <worker> <n> | read 0 <n>; the key in PAGESEAL_TEST_HEXKEY.
 * write: commits n rows (one per transaction), id = worker * 1e6 + i. read: n times, checks that the
 * rows a reader sees are whole (each v is its id repeated) and integrity_check holds now and then.
 */
import { open, type CipherName } from '../../src/index.js';

const [path, cipher, mode, worker, count] = process.argv.slice(2);
const db = open(path!, { encryption: { cipher: cipher as CipherName, hexkey: process.env.PAGESEAL_TEST_HEXKEY! }, timeout: 20_000 });
db.pragma('wal_autocheckpoint = 0');
const n = Number(count);
if (mode === 'write') {
  const ins = db.prepare('INSERT INTO t(id, v) VALUES (?, ?)');
  for (let i = 0; i < n; i++) {
    const id = Number(worker) * 1_000_000 + i;
    ins.run(id, String(id).repeat(60));
    if (i % 20 === 19) db.pragma('wal_checkpoint(PASSIVE)');
  }
  process.stdout.write('ok\n');
} else {
  for (let i = 0; i < n; i++) {
    const rows = db.prepare('SELECT id, v FROM t').all() as { id: number; v: string }[];
    for (const r of rows) if (r.v !== String(r.id).repeat(60)) throw new Error(`torn row ${r.id}`);
    if (i % 10 === 0 && db.pragma('integrity_check', { simple: true }) !== 'ok') throw new Error('integrity');
  }
  process.stdout.write('ok\n');
}
db.close();
