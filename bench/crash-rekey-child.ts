/**
 * The process the rekey crash loop (crash-rekey.ts) kills. It commits rows (printing "c <id>" after
 * each commit is durable), prints "go", rekeys, prints "done", then commits more rows. Keys come from
 * the environment (CRASH_FROM / CRASH_TO as JSON encryption options, or "none").
 * Usage: node crash-rekey-child.js <db> <file|db> <first id>
 */
import { writeSync } from 'node:fs';
import { Database, rekeyFile, type EncryptionOpts } from '../src/index.js';

function keyOf(s: string | undefined): EncryptionOpts | null {
  if (!s || s === 'none') return null;
  return JSON.parse(s) as EncryptionOpts;
}

function say(line: string): void {
  writeSync(1, line + '\n');
}

function commitRows(db: Database, first: number, n: number): number {
  const ins = db.prepare('INSERT INTO t(id, v) VALUES (?, randomblob(300))');
  for (let id = first; id < first + n; id++) {
    ins.run(id);
    say(`c ${id}`);
  }
  return first + n;
}

const [path, how, firstArg] = process.argv.slice(2);
const from = keyOf(process.env.CRASH_FROM);
const to = keyOf(process.env.CRASH_TO);
let next = Number(firstArg);
const open = (k: EncryptionOpts | null): Database => (k ? new Database(path!, { encryption: k, timeout: 5000 }) : new Database(path!, { timeout: 5000 }));
if (how === 'db') {
  const db = open(from);
  next = commitRows(db, next, 20);
  say('go');
  db.rekey(to);
  say('done');
  commitRows(db, next, 20);
  db.close();
} else {
  let db = open(from);
  next = commitRows(db, next, 20);
  db.close();
  say('go');
  rekeyFile(path!, { from, to });
  say('done');
  db = open(to);
  commitRows(db, next, 20);
  db.close();
}
