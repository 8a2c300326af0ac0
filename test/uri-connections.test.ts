/**
 * db.rekey(), PRAGMA rehexkey, PRAGMA passphrase and applyEncryption on a connection opened with a URI filename
 * (SQLITE_USE_URI=1): they work on the file SQLite opened, not on a file named after the URI text. Runs in
 * a second process (test/helpers/uri-child.ts), since better-sqlite3 reads SQLITE_USE_URI once as it loads.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runScript } from './helpers/run-script.js';
import { scratchDir, randomHexKey } from './helpers/files.js';
import { createEncrypted } from './helpers/pageseal.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-uri-conn-');
});
afterEach(() => scratch.cleanup());

describe('connections opened with a URI filename', () => {
  for (const suffix of ['', '?cache=private', '?mode=rwc']) {
    it(`rekeys the file the URI names (file:<path>${suffix})`, async () => {
      const path = join(scratch.dir, 'uri.db');
      const hexkey = randomHexKey(32);
      createEncrypted(path, { cipher: 'aegis256', hexkey, rows: 7 });
      const env = { SQLITE_USE_URI: '1', PAGESEAL_TEST_HEXKEY: hexkey, PAGESEAL_TEST_NEW_HEXKEY: randomHexKey(32) };
      const out = JSON.parse(await runScript('uri-child.ts', ['rekey', `file:${path}${suffix}`, path], env));
      expect(out).toEqual({ ok: true, count: 8 });
    });
  }

  it('PRAGMA rehexkey keeps the page format of a database opened as file:<path> and keyed by PRAGMA', async () => {
    const path = join(scratch.dir, 'format.db');
    const env = { SQLITE_USE_URI: '1', PAGESEAL_TEST_HEXKEY: randomHexKey(32), PAGESEAL_TEST_NEW_HEXKEY: randomHexKey(32) };
    const out = JSON.parse(await runScript('uri-child.ts', ['rehexkey-format', path], env));
    expect(out).toEqual({ kind: 'pageseal' });
  });

  it('PRAGMA passphrase reads the salt of the database a file:<path> connection opened', async () => {
    const path = join(scratch.dir, 'passphrase.db');
    const env = { SQLITE_USE_URI: '1', PAGESEAL_TEST_HEXKEY: randomHexKey(12) };
    const out = JSON.parse(await runScript('uri-child.ts', ['passphrase', path], env));
    expect(out).toEqual({ count: 2 });
  });

  it('applyEncryption on a raw file:<path> connection checks the header of the file SQLite opened', async () => {
    const path = join(scratch.dir, 'plain.db');
    const env = { SQLITE_USE_URI: '1', PAGESEAL_TEST_HEXKEY: randomHexKey(32) };
    const out = JSON.parse(await runScript('uri-child.ts', ['apply-plain', path], env));
    expect(out).toEqual({ ok: false, name: 'FormatError', code: 'NOT_ENCRYPTED' });
  });
});
