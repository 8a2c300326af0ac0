/**
 * applyEncryption(connection, encryption) (issue 7, item 3): keys a connection a driver opened
 * itself, in one call that fails closed, and the docs/api.md recipes for Knex (`pool.afterCreate`)
 * and TypeORM (`prepareDatabase`), each checked on disk: the file holds no plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import knex from 'knex';
import { DataSource, EntitySchema } from 'typeorm';
import { applyEncryption, AuthenticationError, FormatError, InvalidKeyError, InvalidOptionsError, open, install } from '../src/index.js';
import { fileContains, randomHexKey, scratchDir, sha256File } from './helpers/files.js';
import { runScript, thrown } from './helpers/run-script.js';

const encryption = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
const SECRET = 'very secret plaintext marker';
let scratch: ReturnType<typeof scratchDir>;
beforeAll(() => {
  scratch = scratchDir('pageseal-apply-');
});
afterAll(() => scratch.cleanup());

/** The file is Turso-encrypted with our cipher, holds no plaintext, and pageseal reads `rows` rows back. */
function expectEncryptedOnDisk(path: string, table: string, rows: number): void {
  const head = readFileSync(path).subarray(0, 16);
  expect(head.subarray(0, 5).toString('latin1')).toBe('Turso');
  expect(fileContains(path, SECRET)).toBe(false);
  expect(fileContains(path, 'SQLite format 3')).toBe(false);
  expect(fileContains(path, 'CREATE TABLE')).toBe(false);
  const db = open(path, { encryption, readonly: true });
  expect(db.prepare(`SELECT count(*) FROM ${table} WHERE body LIKE '%' || ? || '%'`).pluck().get(SECRET)).toBe(rows);
  db.close();
  expect((thrown(() => open(path, { encryption: { ...encryption, hexkey: randomHexKey(32) } })) as Error)).toBeInstanceOf(AuthenticationError);
}

describe('applyEncryption', () => {
  it('keys a connection opened by plain better-sqlite3 once the VFS is installed, and refuses one opened before', async () => {
    // A fresh process where nothing installed the VFS before the connection was opened: refused.
    const early = join(scratch.dir, 'early.db');
    const out = await runScript('child-apply.ts', [early], { PAGESEAL_TEST_HEXKEY: encryption.hexkey });
    expect(out.trim().split('\n')).toEqual(['refused INVALID_OPTIONS true', 'size 0']);

    install();
    const path = join(scratch.dir, 'plain-conn.db');
    const conn = new BetterSqlite3(path);
    applyEncryption(conn, encryption);
    conn.pragma('journal_mode = wal');
    conn.exec('CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)');
    conn.prepare('INSERT INTO notes(body) VALUES (?)').run(SECRET);
    conn.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileContains(path + '-wal', SECRET)).toBe(false);
    conn.close();
    expectEncryptedOnDisk(path, 'notes', 1);
    // Re-keying the next connection to the same file reads it.
    const again = new BetterSqlite3(path);
    applyEncryption(again, encryption);
    expect(again.prepare('SELECT body FROM notes').pluck().get()).toBe(SECRET);
    again.close();
  });

  it('refuses a connection that already read the file, a plain file, a wrong key, bad keys, memory; writes nothing', () => {
    const path = join(scratch.dir, 'refuse.db');
    const made = open(path, { encryption });
    made.exec('CREATE TABLE notes(body TEXT)');
    made.close();
    const before = sha256File(path);

    const read = new BetterSqlite3(path);
    thrown(() => read.prepare('SELECT count(*) FROM sqlite_schema').get()); // reads page 1 (no key: fails)
    const e1 = thrown(() => applyEncryption(read, encryption));
    expect(e1).toBeInstanceOf(InvalidOptionsError);
    expect((e1 as Error).message).toMatch(/before the connection reads/);
    read.close();

    const wrong = new BetterSqlite3(path);
    const e2 = thrown(() => applyEncryption(wrong, { ...encryption, hexkey: randomHexKey(32) }));
    expect(e2).toBeInstanceOf(AuthenticationError);
    expect((e2 as AuthenticationError).pageNumber).toBe(1);
    wrong.close();

    const other = new BetterSqlite3(path);
    expect((thrown(() => applyEncryption(other, { cipher: 'aes256gcm', hexkey: encryption.hexkey })) as FormatError).code).toBe('CIPHER_MISMATCH');
    const bad = thrown(() => applyEncryption(other, { cipher: 'aegis256', hexkey: 'my passphrase' }));
    expect(bad).toBeInstanceOf(InvalidKeyError);
    expect((bad as Error).message).not.toContain('my passphrase');
    other.close();
    expect(sha256File(path)).toBe(before);

    const plainPath = join(scratch.dir, 'plain.sqlite');
    const plain = new BetterSqlite3(plainPath);
    plain.exec('CREATE TABLE x(a)');
    plain.close();
    const plainBefore = sha256File(plainPath);
    const p2 = new BetterSqlite3(plainPath);
    expect((thrown(() => applyEncryption(p2, encryption)) as FormatError).code).toBe('NOT_ENCRYPTED');
    p2.close();
    expect(sha256File(plainPath)).toBe(plainBefore);

    const mem = new BetterSqlite3(':memory:');
    expect(thrown(() => applyEncryption(mem, encryption))).toBeInstanceOf(InvalidOptionsError);
    mem.close();
    expect(thrown(() => applyEncryption({} as BetterSqlite3.Database, encryption))).toBeInstanceOf(InvalidOptionsError);
  });
});

describe('driver recipes (docs/api.md)', () => {
  it('Knex: pool.afterCreate', async () => {
    install(); // before the driver opens its first connection
    const path = join(scratch.dir, 'knex.db');
    const db = knex({
      client: 'better-sqlite3',
      connection: { filename: path },
      useNullAsDefault: true,
      pool: {
        afterCreate(conn: BetterSqlite3.Database, done: (err: Error | null, conn: unknown) => void) {
          try {
            applyEncryption(conn, encryption);
            conn.pragma('journal_mode = wal');
            done(null, conn);
          } catch (e) {
            done(e as Error, conn);
          }
        },
      },
    });
    await db.schema.createTable('notes', (t) => {
      t.increments('id');
      t.text('body');
    });
    await db('notes').insert([{ body: SECRET }, { body: `${SECRET} 2` }]);
    expect(await db('notes').count({ n: '*' })).toEqual([{ n: 2 }]);
    await db.destroy();
    expectEncryptedOnDisk(path, 'notes', 2);

    // A wrong key fails the pool's connection with the typed error, and writes nothing.
    const before = sha256File(path);
    const wrong = knex({
      client: 'better-sqlite3',
      connection: { filename: path },
      useNullAsDefault: true,
      pool: {
        afterCreate(conn: BetterSqlite3.Database, done: (err: Error | null, conn: unknown) => void) {
          try {
            applyEncryption(conn, { ...encryption, hexkey: randomHexKey(32) });
            done(null, conn);
          } catch (e) {
            done(e as Error, conn);
          }
        },
      },
      acquireConnectionTimeout: 2000,
    });
    await expect(wrong('notes').count()).rejects.toThrow(/failed authentication|wrong key/);
    await wrong.destroy();
    expect(sha256File(path)).toBe(before);
  });

  it('TypeORM: prepareDatabase', async () => {
    install();
    const path = join(scratch.dir, 'typeorm.db');
    const Note = new EntitySchema<{ id: number; body: string }>({
      name: 'note',
      columns: { id: { type: Number, primary: true, generated: true }, body: { type: String } },
    });
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: path,
      entities: [Note],
      synchronize: true,
      enableWAL: true,
      prepareDatabase: (db: BetterSqlite3.Database) => applyEncryption(db, encryption),
    });
    await ds.initialize();
    await ds.getRepository(Note).save([{ body: SECRET }, { body: `${SECRET} again` }, { body: `${SECRET} 3` }]);
    expect(await ds.getRepository(Note).count()).toBe(3);
    await ds.destroy();
    expectEncryptedOnDisk(path, 'note', 3);
  });
});
