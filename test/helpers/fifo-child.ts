/**
 * Opens or inspects a database whose file, -wal or -journal may be a FIFO, and prints what happened as
 * one JSON line ({ ok } or { code, name, message }). Run with a timeout: a hang is the failure.
 * Usage: fifo-child.ts <action[,action...]> <db> <cipher> (one line per action); the key in PAGESEAL_TEST_HEXKEY.
 * Actions: open-key, open-hexkey (PRAGMA cipher + hexkey), info, verify, cli-info, cli-verify.
 */
import { Database, info, open, verifyFile, type CipherName } from '../../src/index.js';
import { main } from '../../src/cli.js';

const [actions, path, cipher] = process.argv.slice(2) as [string, string, CipherName];
const hexkey = process.env.PAGESEAL_TEST_HEXKEY!;

function run(action: string): unknown {
  switch (action) {
    case 'open-key': {
      const db = open(path, { encryption: { cipher, hexkey } });
      try {
        return db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
      } finally {
        db.close();
      }
    }
    case 'open-hexkey': {
      const db = new Database(path);
      try {
        db.pragma(`cipher = '${cipher}'`);
        db.pragma(`hexkey = '${hexkey}'`);
        return db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
      } finally {
        db.close();
      }
    }
    case 'info':
      return info(path);
    case 'verify':
      return verifyFile(path, { cipher, hexkey });
    case 'cli-info':
    case 'cli-verify': {
      let err = '';
      const args = action === 'cli-info' ? ['info', path] : ['verify', path, '--cipher', cipher];
      const status = main(args, { PAGESEAL_HEXKEY: hexkey }, () => undefined, (l) => (err += l + '\n'));
      return { status, err };
    }
    default:
      throw new Error(`unknown action ${action}`);
  }
}

for (const action of actions.split(',')) {
  try {
    process.stdout.write(JSON.stringify({ ok: run(action) }) + '\n');
  } catch (e) {
    const err = e as { code?: unknown; name?: string; message?: string };
    process.stdout.write(JSON.stringify({ code: err.code, name: err.name, message: err.message }) + '\n');
  }
}
