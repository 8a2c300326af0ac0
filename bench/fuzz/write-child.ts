/**
 * Writer of the corruption fuzz, run in its own process and killed with SIGKILL by the parent.
 * Commits transactions 1..n of the workload (printing `committed k` after each commit returned),
 * then starts transaction n+1, writes enough of it that pages reach the disk (the -wal in WAL mode,
 * the main file after the journal in rollback mode, through a tiny page cache), prints `inside`,
 * and waits to be killed.
 * Usage: write-child.js <db> <cipher> <hexkey> <page size> <wal|delete> <n> <autocheckpoint>
 */
import { open, type CipherName } from '../../src/index.js';
import { applyChanges, commitTxn } from './workload.js';

const [path, cipher, hexkey, pageSize, mode, n, autockpt] = process.argv.slice(2);
const db = open(path!, { encryption: { cipher: cipher as CipherName, hexkey: hexkey! } });
db.pragma(`page_size = ${Number(pageSize)}`);
db.pragma(`journal_mode = ${mode}`);
if (mode === 'wal') db.pragma(`wal_autocheckpoint = ${Number(autockpt)}`);
db.pragma('cache_size = 8');
const last = Number(n);
for (let k = 1; k <= last; k++) {
  commitTxn(db, k);
  process.stdout.write(`committed ${k}\n`);
}
db.exec('BEGIN');
applyChanges(db, last + 1);
db.exec(`UPDATE t SET v = zeroblob(length(v)), h = 'uncommitted'`);
process.stdout.write('inside\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
process.exit(3);
