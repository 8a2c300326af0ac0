/**
 * Run by test/crash-safety.test.ts in a second process (through vite-node, as child-db.ts is), to be
 * killed with SIGKILL or started under a file-size limit. Opens an encrypted database with open()
 * and runs the workload of crash-workload.ts, printing one line per event on stdout, each written
 * only after the call it reports has returned (`committed <id>` after the commit returned).
 *
 * Usage: crash-child.ts <db path> <cipher> <scenario> [arg]; the key in PAGESEAL_TEST_HEXKEY.
 *   loop          commits transactions until killed: small ones, a big one (spilling) every 5th,
 *                 and in WAL mode a checkpoint before every 6th (`checkpoint <id>` / `checkpointed <id>`)
 *   hold-wal <n>  WAL mode without automatic checkpoints: commits n small transactions, prints
 *                 `holding`, and waits to be killed (the -wal then holds every one of them)
 *   hold-journal  rollback mode: in one transaction, a small then a big transaction's changes (the
 *                 file grows, pages spill into the database file), prints `holding <id>` with the
 *                 transaction still open, and waits to be killed
 *   fill <pad>    commits small transactions of rows of about <pad> bytes until writes fail (a
 *                 file-size limit), prints `failed <id> <code>` for each of 4 failed attempts, then
 *                 closes (`closed` or `close-failed <code>`) and prints `exit`
 */
import { open, type Database } from '../../src/index.js';
import { bigTxn, bigTxnBody, nextTxnId, smallTxn } from './crash-workload.js';
import type { CipherName } from '../../src/ciphers/types.js';

const CHECKPOINT_MODES = ['PASSIVE', 'FULL', 'RESTART', 'TRUNCATE'];

function say(line: string): void {
  process.stdout.write(line + '\n');
}

function codeOf(e: unknown): string {
  return String((e as { code?: unknown } | null)?.code ?? (e as Error)?.message);
}

/** Blocks (no event loop turn, nothing else runs) until killed; gives up after 30 s. */
function waitToBeKilled(): never {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
  process.exit(2);
}

function loop(db: Database): void {
  const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
  let id = nextTxnId(db);
  for (const end = id + 100_000; id < end; id++) {
    if (wal && id % 6 === 3) {
      say(`checkpoint ${id}`);
      db.pragma(`wal_checkpoint(${CHECKPOINT_MODES[(id >> 1) % 4]})`);
      say(`checkpointed ${id}`);
    }
    if (id % 5 === 0) {
      say(`big ${id}`);
      bigTxn(db, id);
    } else {
      smallTxn(db, id);
    }
    say(`committed ${id}`);
  }
  process.exit(3); // never reached in a test: the parent kills much earlier
}

function holdWal(db: Database, n: number): never {
  db.pragma('wal_autocheckpoint = 0');
  let id = nextTxnId(db);
  for (const end = id + n; id < end; id++) {
    smallTxn(db, id);
    say(`committed ${id}`);
  }
  say('holding');
  waitToBeKilled();
}

function holdJournal(db: Database): never {
  const id = nextTxnId(db);
  db.exec('BEGIN');
  smallTxn(db, id, 3000); // grows the file: page 1 (the page count) is journaled first, then synced by a spill
  bigTxnBody(db, id + 1);
  say(`holding ${id}`);
  waitToBeKilled();
}

function fill(db: Database, pad: number): void {
  let id = nextTxnId(db);
  for (let failures = 0; failures < 4; ) {
    try {
      smallTxn(db, id, pad);
      say(`committed ${id}`);
      id++;
    } catch (e) {
      failures++;
      say(`failed ${id} ${codeOf(e)}`);
    }
  }
  try {
    db.close();
    say('closed');
  } catch (e) {
    say(`close-failed ${codeOf(e)}`);
  }
  say('exit');
}

function main(): void {
  const [path, cipher, scenario, arg] = process.argv.slice(2) as [string?, CipherName?, string?, string?];
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY;
  if (!path || !cipher || !scenario || !hexkey) throw new Error('usage: crash-child.ts <db> <cipher> <scenario> [arg] (key in PAGESEAL_TEST_HEXKEY)');
  const db = open(path, { encryption: { cipher, hexkey }, timeout: 5_000 });
  db.pragma('cache_size = 16'); // a big transaction spills pages before it commits
  say('ready');
  if (scenario === 'loop') loop(db);
  else if (scenario === 'hold-wal') holdWal(db, Number(arg));
  else if (scenario === 'hold-journal') holdJournal(db);
  else if (scenario === 'fill') fill(db, Number(arg));
  else throw new Error(`unknown scenario ${scenario}`);
}

main();
