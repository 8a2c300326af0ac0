/**
 * Leaves a hot journal: commits a base table in rollback mode, then in one transaction updates every
 * row and inserts more (a small page cache spills pages into the database file, in two journal
 * segments), prints `ready` and kills itself with SIGKILL. The committed state is the base table.
 * Usage: hot-journal-child.ts <db> <cipher> <rows>; the key in PAGESEAL_TEST_HEXKEY.
 */
import { open, type CipherName } from '../../src/index.js';

const [path, cipher, rows] = process.argv.slice(2);
const db = open(path!, { encryption: { cipher: cipher as CipherName, hexkey: process.env.PAGESEAL_TEST_HEXKEY! } });
db.pragma('journal_mode = delete');
db.pragma('cache_size = 8');
db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
const ins = db.prepare('INSERT INTO t(id, v) VALUES (?, ?)');
db.transaction(() => {
  for (let i = 1; i <= Number(rows); i++) ins.run(i, `base-${i}-` + 'x'.repeat(200));
})();
db.exec('BEGIN');
db.prepare('UPDATE t SET v = ?').run('changed-' + 'z'.repeat(300));
for (let i = 0; i < 100; i++) ins.run(100_000 + i, 'new-' + 'w'.repeat(300));
process.stdout.write('ready\n');
process.kill(process.pid, 'SIGKILL');
