/**
 * db.rekey() called again from inside a running db.rekey() (its onProgress callback) in the same thread:
 * the VFS keeps one rekey target per thread (src/native/vfs/napi_rekey.c), so the inner call must be
 * refused without touching the outer one, whose connection must still follow its file to the new key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { open, PagesealError } from '../src/index.js';
import { scratchDir } from './helpers/files.js';
import { createEncrypted, readRows, randomKey, registrationStats } from './helpers/pageseal.js';
import { expectedRowsSha256, rowsSha256 } from './helpers/rows.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-reentry-');
});
afterEach(() => scratch.cleanup());

const key = randomKey;
const stats = registrationStats;

describe('db.rekey() from inside another db.rekey()', () => {
  for (const inner of ['the same connection', 'another connection'] as const) {
    it(`is refused for ${inner}, and the outer rekey completes: the connection follows its file`, () => {
      const before = stats();
      const pa = join(scratch.dir, 'a.db');
      const pb = join(scratch.dir, 'b.db');
      const k1 = key();
      createEncrypted(pa, { ...k1, rows: 40 });
      createEncrypted(pb, { ...k1, rows: 10 });
      const a = open(pa, { encryption: k1 });
      const b = open(pb, { encryption: k1 });
      const k2 = key('aes256gcm');
      let innerError: unknown = 'not called';
      a.rekey(k2, {
        onProgress: () => {
          if (innerError !== 'not called') return;
          try {
            (inner === 'the same connection' ? a : b).rekey(key());
            innerError = undefined;
          } catch (e) {
            innerError = e;
          }
        },
      });
      expect(innerError).toBeInstanceOf(PagesealError);
      expect((innerError as PagesealError).code).toBe('BUSY');
      expect((innerError as Error).message).toMatch(/nothing was changed/);
      // The outer connection works on the new file: a row written now is in it.
      a.exec("INSERT INTO t(id, name, blob) VALUES (1000, 'after', x'00')");
      a.close();
      b.close();
      const again = open(pa, { encryption: k2, readonly: true });
      expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(41);
      again.close();
      const bAgain = open(pb, { encryption: k1, readonly: true });
      expect(rowsSha256(readRows(bAgain))).toBe(expectedRowsSha256(10));
      bAgain.close();
      expect(stats()).toEqual(before);
    });
  }
});
