/**
 * The writer process of the sealed-log checks (bench/logs/*.ts), killed with SIGKILL by its parent.
 * Usage: child.js <db> <cipher> <mode> <scenario> [arg]; the key in PAGESEAL_HEXKEY, the writer's number
 * (for several writers on one database) in PAGESEAL_WORKER.
 *   loop         commits transactions until killed and prints `committed <id>` after each commit
 *                returned; every 5th is big (it spills pages before commit: journal segments, WAL
 *                frames written twice)
 *   read         reads in a loop; prints `partial [...]` if it ever sees a transaction in part
 *   hot-journal  commits `rows` base rows, then leaves a transaction that changed all of them and
 *                added more (spilled), and kills itself
 * Schema: txns(id INTEGER PRIMARY KEY, n), r(txn, v): transaction id inserts n rows into r and one row
 * into txns, so a reader can tell a transaction seen in part.
 */
import { open, type CipherName } from '../../src/index.js';

const [path, cipher, mode, scenario, arg] = process.argv.slice(2);
const db = open(path!, { encryption: { cipher: cipher as CipherName, hexkey: process.env.PAGESEAL_HEXKEY! }, timeout: 10_000 });
db.pragma(`journal_mode = ${mode}`);
db.pragma('cache_size = 16');
db.exec('CREATE TABLE IF NOT EXISTS txns(id INTEGER PRIMARY KEY, n INTEGER); CREATE TABLE IF NOT EXISTS r(txn INTEGER, v TEXT)');

function txn(id: number): void {
  const n = id % 5 === 0 ? 150 : 3;
  const ins = db.prepare('INSERT INTO r(txn, v) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) ins.run(id, `${id}:${i}:` + 'p'.repeat(id % 5 === 0 ? 300 : 40));
    if (id % 7 === 0) db.prepare('UPDATE r SET v = v WHERE txn = ?').run(id); // pages of this transaction again
    db.prepare('INSERT INTO txns(id, n) VALUES (?, ?)').run(id, n);
  })();
}

const worker = Number(process.env.PAGESEAL_WORKER ?? 0); // several writers: worker w uses ids w*1e7 + k

if (scenario === 'loop') {
  const base = worker * 10_000_000;
  let id = ((db.prepare('SELECT max(id) AS m FROM txns WHERE id >= ? AND id < ?').get(base, base + 10_000_000) as { m: number | null }).m ?? base) + 1;
  if (mode === 'wal') db.pragma(`wal_autocheckpoint = ${arg ?? 1000}`);
  process.stdout.write('ready\n');
  for (;;) {
    txn(id);
    process.stdout.write(`committed ${id}\n`);
    id++;
  }
} else if (scenario === 'read') {
  // A reader in its own process: every transaction it sees must be whole.
  process.stdout.write('ready\n');
  for (let n = 1; ; n++) {
    const partial = db.prepare('SELECT t.id AS id FROM txns t JOIN (SELECT txn, count(*) AS c FROM r GROUP BY txn) g ON g.txn = t.id WHERE g.c != t.n').all();
    if (partial.length) process.stdout.write(`partial ${JSON.stringify(partial.slice(0, 3))}\n`);
    if (n % 5 === 0) process.stdout.write(`reads ${n}\n`);
  }
} else if (scenario === 'hot-journal') {
  const rows = Number(arg ?? 60);
  const ins = db.prepare('INSERT INTO r(txn, v) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= rows; i++) ins.run(0, `base ${i} ` + 'x'.repeat(200));
    db.prepare('INSERT INTO txns(id, n) VALUES (0, ?)').run(rows);
  })();
  db.exec('BEGIN');
  db.prepare('UPDATE r SET v = ?').run('changed ' + 'z'.repeat(300));
  for (let i = 0; i < 100; i++) ins.run(1, 'new ' + 'w'.repeat(300));
  process.stdout.write('ready\n');
  process.kill(process.pid, 'SIGKILL');
}
