/** Creates and reads databases with the golden row content through pageseal's API. */
import { open, Database, findCipherSpec } from '../../src/index.js';
import { loadAddon } from '../../src/addon.js';
import { randomHexKey } from './files.js';
import { SCHEMA, makeRows, type Row } from './rows.js';
import type { CipherName } from '../../src/ciphers/types.js';

export interface Key {
  cipher: CipherName;
  hexkey: string;
}

export interface CreateOptions extends Key {
  pageSize?: number;
  journalMode?: 'wal' | 'delete';
  rows?: number;
}

/** Inserts the golden rows first..last in one transaction. */
export function insertRows(db: Database, first: number, last: number): void {
  const insert = db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const r of makeRows(first, last)) insert.run(r.id, r.name, Buffer.from(r.blob));
  })();
}

/** Creates a new encrypted database through `open()` holding rows 1..rows (default 300). */
export function createEncrypted(path: string, opts: CreateOptions): void {
  const db = open(path, { encryption: { cipher: opts.cipher, hexkey: opts.hexkey } });
  try {
    if (opts.pageSize) db.pragma(`page_size = ${opts.pageSize}`);
    db.pragma(`journal_mode = ${opts.journalMode ?? 'wal'}`);
    for (const sql of SCHEMA) db.exec(sql);
    insertRows(db, 1, opts.rows ?? 300);
  } finally {
    db.close();
  }
}

/** All rows of t, ordered by id. */
export function readRows(db: Database): Row[] {
  return (db.prepare('SELECT id, name, blob FROM t ORDER BY id').all() as { id: number; name: string; blob: Buffer }[]).map((r) => ({
    id: r.id,
    name: r.name,
    blob: new Uint8Array(r.blob),
  }));
}

/** Opens with `new Database` and returns the rows. */
export function readEncrypted(path: string, key: Key): Row[] {
  const db = new Database(path, { encryption: key, readonly: false });
  try {
    return readRows(db);
  } finally {
    db.close();
  }
}

/** A fresh random key for `cipher`. */
export function randomKey(cipher: CipherName = 'aegis256'): Key {
  return { cipher, hexkey: randomHexKey(findCipherSpec(cipher).keySize) };
}

/** The VFS's key registrations: [registered paths, live keys] (both back to their start when nothing is held). */
export function registrationStats(): number[] {
  const s = loadAddon()!.vfsStats();
  return [s.registeredPaths, s.liveKeys];
}
