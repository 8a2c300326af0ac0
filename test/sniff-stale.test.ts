/**
 * open() remembers a file's header per path while its identity and times are unchanged (src/api/sniff.ts):
 * a stale answer (timestamps too coarse to see a rewrite) must only ever make an open fail. This replaces
 * the file after the header was read and before SQLite opens it (a getter of the encryption options runs
 * in between), which is exactly what a stale remembered header gives: every pair of other formats, ciphers,
 * keys, database ids and a plain file is refused with a typed error, and the file is left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, AuthenticationError, FormatError, type EncryptionOpts } from '../src/index.js';
import { randomHexKey, scratchDir } from './helpers/files.js';

const hex = randomHexKey(32);
const SOURCES: Record<string, EncryptionOpts | undefined> = {
  pagesealA: { cipher: 'aegis256', hexkey: hex, format: 'pageseal' },
  pagesealB: { cipher: 'aegis256', hexkey: hex, format: 'pageseal' }, // same key, another database id
  pagesealOtherKey: { cipher: 'aegis256', hexkey: randomHexKey(32), format: 'pageseal' },
  passphraseA: { cipher: 'aegis256', passphrase: 'pw', format: 'pageseal' },
  passphraseB: { cipher: 'aegis256', passphrase: 'pw', format: 'pageseal' }, // another salt
  tursoAegis: { cipher: 'aegis256', hexkey: hex },
  tursoGcm: { cipher: 'aes256gcm', hexkey: hex },
  plain: undefined,
};

let scratch: ReturnType<typeof scratchDir>;
const bytes: Record<string, Buffer> = {};
beforeAll(() => {
  scratch = scratchDir('pageseal-stale-');
  for (const [name, enc] of Object.entries(SOURCES)) {
    const p = join(scratch.dir, name);
    const db = enc ? open(p, { encryption: enc }) : open(p);
    db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    db.close();
    bytes[name] = readFileSync(p);
  }
});
afterAll(() => scratch.cleanup());

describe('a file replaced after its header was read is refused, typed, and not written', () => {
  for (const from of Object.keys(SOURCES)) {
    const enc = SOURCES[from];
    if (enc === undefined) continue;
    for (const to of Object.keys(SOURCES)) {
      if (to === from) continue;
      it(`header of ${from}, file of ${to}`, () => {
        const target = join(scratch.dir, `${from}-${to}.db`);
        writeFileSync(target, bytes[from]!);
        let swapped = false;
        const options = {
          ...enc,
          get format() {
            if (!swapped) writeFileSync(target, bytes[to]!); // after the sniff, before SQLite opens it
            swapped = true;
            return enc.format;
          },
        } as EncryptionOpts;
        let err: unknown;
        try {
          const db = open(target, { encryption: options });
          db.prepare('SELECT * FROM t').all();
          db.exec('INSERT INTO t VALUES (2)');
          db.close();
        } catch (e) {
          err = e;
        }
        expect(swapped).toBe(true);
        expect(err instanceof AuthenticationError || err instanceof FormatError).toBe(true);
        expect(readFileSync(target).equals(bytes[to]!)).toBe(true);
        for (const side of ['-wal', '-journal']) expect(existsSync(target + side) && readFileSync(target + side).length > 0).toBe(false);
        rmSync(target);
      });
    }
  }
});
