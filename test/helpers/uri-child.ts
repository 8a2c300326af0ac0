/**
 * Run in a second process by test/fail-closed-vfs.test.ts, with SQLITE_USE_URI=1 in its environment (read
 * by better-sqlite3 once, when its addon loads, so URI filenames cannot be switched on inside the test
 * process). Prints one JSON line.
 *   psow <db path> <install 0|1>   plain WAL database opened as file:<path>?psow=0 with synchronous=FULL,
 *                                  with or without the pageseal VFS installed: prints the -wal's size
 *                                  after one commit (SQLite pads the -wal to a sector without psow)
 *   open <filename> <cipher>       open(filename, { encryption }) (key in PAGESEAL_TEST_HEXKEY), one row
 *                                  written; prints { ok } or the error's name, code and message
 *   rekey <filename> <db path>     open(filename) keyed by PAGESEAL_TEST_HEXKEY (aegis256), db.rekey() to
 *                                  PAGESEAL_TEST_NEW_HEXKEY (aes256gcm) and one row written through the same
 *                                  connection, then the PRAGMA rehexkey form back to the first key; prints
 *                                  { ok, count } (read back through <db path>) or the error
 *   rehexkey-format <db path>      a pageseal-format database (aegis256, PAGESEAL_TEST_HEXKEY) opened by
 *                                  pageseal's Database as file:<path> without a key, keyed by PRAGMA cipher +
 *                                  hexkey, then PRAGMA rehexkey to PAGESEAL_TEST_NEW_HEXKEY; prints the format
 *                                  the file is in after ({ kind } of sniffDatabase) or the error
 *   passphrase <db path>           a pageseal-format database made with a passphrase (PAGESEAL_TEST_HEXKEY used as
 *                                  the passphrase), opened by pageseal's Database as file:<path> without a key and
 *                                  keyed by PRAGMA cipher + passphrase; prints { count } of its rows or the error
 *   apply-plain <db path>          applyEncryption on a raw better-sqlite3 connection to a plain database opened
 *                                  as file:<path>; prints the error's name and code (or { ok: true })
 *   mismatch <filename> <cipher>   the same after SQLITE_USE_URI is removed from the environment once
 *                                  better-sqlite3 has read it: pageseal then misjudges the URI (the case
 *                                  the check after every keyed open exists for)
 */
import { statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { applyEncryption, Database, install, open, type CipherName } from '../../src/index.js';
import { sniffDatabase } from '../../src/api/sniff.js';

function psow(path: string, withVfs: boolean): unknown {
  if (withVfs) install();
  const db = new BetterSqlite3(`file:${path}?psow=0`);
  try {
    db.pragma('page_size = 1024');
    db.pragma('journal_mode = wal');
    db.pragma('synchronous = full');
    db.exec('CREATE TABLE t(x)');
    return { walSize: statSync(`${path}-wal`).size };
  } finally {
    db.close();
  }
}

function openUri(filename: string, cipher: string): unknown {
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY!;
  try {
    const db = open(filename, { encryption: { cipher: cipher as CipherName, hexkey } });
    db.exec("CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES ('plaintext-marker-row')");
    db.close();
    return { ok: true };
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    return { ok: false, name: err.name, code: err.code, message: err.message };
  }
}

function rekeyUri(filename: string, path: string): unknown {
  const k1 = { cipher: 'aegis256', hexkey: process.env.PAGESEAL_TEST_HEXKEY! } as const;
  const k2 = { cipher: 'aes256gcm', hexkey: process.env.PAGESEAL_TEST_NEW_HEXKEY! } as const;
  try {
    const db = open(filename, { encryption: k1 });
    try {
      db.rekey(k2);
      db.exec("INSERT INTO t(id, name, blob) VALUES (1000, 'after-rekey', x'00')");
      db.pragma(`rehexkey = '${process.env.PAGESEAL_TEST_NEW_HEXKEY!}'`);
    } finally {
      db.close();
    }
    const again = open(path, { encryption: { cipher: 'aes256gcm', hexkey: k2.hexkey } });
    try {
      return { ok: true, count: again.prepare('SELECT count(*) FROM t').pluck().get() };
    } finally {
      again.close();
    }
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    return { ok: false, name: err.name, code: err.code, message: err.message };
  }
}

function rehexkeyFormat(path: string): unknown {
  const hexkey = process.env.PAGESEAL_TEST_HEXKEY!;
  try {
    const made = open(path, { encryption: { cipher: 'aegis256', hexkey, format: 'pageseal' } });
    made.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    made.close();
    const db = new Database(`file:${path}`);
    try {
      db.pragma("cipher = 'aegis256'");
      db.pragma(`hexkey = '${hexkey}'`);
      db.prepare('SELECT count(*) FROM t').get();
      db.pragma(`rehexkey = '${process.env.PAGESEAL_TEST_NEW_HEXKEY!}'`);
    } finally {
      db.close();
    }
    return { kind: sniffDatabase(path).kind };
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    return { ok: false, name: err.name, code: err.code, message: err.message };
  }
}

function passphraseUri(path: string): unknown {
  const passphrase = process.env.PAGESEAL_TEST_HEXKEY!;
  try {
    const made = open(path, { encryption: { cipher: 'aegis256', passphrase, format: 'pageseal', kdf: { log2N: 10, r: 8, p: 1 } } });
    made.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)');
    made.close();
    const db = new Database(`file:${path}`);
    try {
      db.pragma("cipher = 'aegis256'");
      db.pragma(`passphrase = '${passphrase}'`);
      return { count: db.prepare('SELECT count(*) FROM t').pluck().get() };
    } finally {
      db.close();
    }
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    return { ok: false, name: err.name, code: err.code, message: err.message };
  }
}

function applyPlain(path: string): unknown {
  new BetterSqlite3(path).exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)').close();
  install();
  const raw = new BetterSqlite3(`file:${path}`);
  try {
    applyEncryption(raw, { cipher: 'aegis256', hexkey: process.env.PAGESEAL_TEST_HEXKEY! });
    return { ok: true };
  } catch (e) {
    const err = e as { name?: string; code?: string };
    return { ok: false, name: err.name, code: err.code };
  } finally {
    raw.close();
  }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'mismatch') {
  install(); // loads better-sqlite3's addon, which reads SQLITE_USE_URI once
  delete process.env.SQLITE_USE_URI;
}
const result =
  mode === 'psow' ? psow(a!, b === '1') : mode === 'rekey' ? rekeyUri(a!, b!) : mode === 'rehexkey-format'
        ? rehexkeyFormat(a!)
        : mode === 'passphrase'
          ? passphraseUri(a!)
          : mode === 'apply-plain'
            ? applyPlain(a!)
            : openUri(a!, b!);
process.stdout.write(JSON.stringify(result) + '\n');
