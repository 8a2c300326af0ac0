/**
 * Errors that name what to do (issue 7, item 8): a read-only open beside a hot rollback journal, and
 * a passphrase given where a hex key is expected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { Database, explainError, FormatError, InvalidKeyError, open } from '../src/index.js';
import { main } from '../src/cli.js';
import { randomHexKey, scratchDir, sha256File } from './helpers/files.js';
import { crashedInTransaction } from './helpers/hot-journal.js';
import { thrown } from './helpers/run-script.js';

const key = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
let scratch: ReturnType<typeof scratchDir>;
beforeAll(() => {
  scratch = scratchDir('pageseal-typed-');
});
afterAll(() => scratch.cleanup());

describe('readonly: true beside a hot rollback journal', () => {
  it('open() throws FormatError HOT_JOURNAL saying to open it once without readonly, and changes nothing', () => {
    const path = crashedInTransaction(scratch.dir, 'ro', key, 1000);
    const before = [path, path + '-journal'].map(sha256File);
    const err = thrown(() => open(path, { encryption: key, readonly: true }));
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('HOT_JOURNAL');
    expect((err as Error).message).toMatch(/without readonly/);
    expect((err as Error).message).not.toContain(key.hexkey);
    expect([path, path + '-journal'].map(sha256File)).toEqual(before);
    // What the message says to do works.
    open(path, { encryption: key }).close();
    const ro = open(path, { encryption: key, readonly: true });
    expect(ro.prepare(`SELECT count(*) FROM t WHERE v LIKE 'committed%'`).pluck().get()).toBe(1000);
    ro.close();
  });

  it('a plain database too (new Database without a key, and explainError on better-sqlite3 errors)', () => {
    const path = crashedInTransaction(scratch.dir, 'ro-plain', null, 1000);
    expect((thrown(() => new Database(path, { readonly: true }).prepare('SELECT count(*) FROM t').get()) as FormatError).code).toBe('HOT_JOURNAL');
    const raw = new BetterSqlite3(path, { readonly: true });
    const e = thrown(() => raw.prepare('SELECT count(*) FROM t').get());
    raw.close();
    expect((e as { code?: string }).code).toBe('SQLITE_READONLY_ROLLBACK');
    expect((explainError(e, path) as FormatError).code).toBe('HOT_JOURNAL');
  });
});

describe('a passphrase given as hexkey', () => {
  const passphrase = 'correct horse battery staple';
  it.each([
    ['words', passphrase],
    ['hex-looking but short', 'deadbeefcafe'],
  ])('%s: InvalidKeyError hints that a raw hex key (or a KDF) is needed, without the value', (_what, value) => {
    const err = thrown(() => open(`${scratch.dir}/p.db`, { encryption: { cipher: 'aegis256', hexkey: value } }));
    expect(err).toBeInstanceOf(InvalidKeyError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/not a passphrase/);
    expect(msg).toMatch(/scrypt|KDF|key derivation/);
    expect(msg).not.toContain(value);
    expect(msg).not.toContain('horse');
  });

  it('the CLI says the same, and does not echo the passphrase', () => {
    let err = '';
    const status = main(['verify', 'x.db', '--cipher', 'aegis256', '--hexkey', passphrase], {}, () => {}, (l) => (err += l));
    expect(status).toBe(2);
    expect(err).toMatch(/not a passphrase/);
    expect(err).not.toContain('horse');
  });
});
