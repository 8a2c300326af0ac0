/**
 * `ATTACH ... KEY '...'` (SQLCipher/SEE syntax) is parsed and ignored by stock SQLite: the attached
 * file was written in plaintext. pageseal's Database refuses it; the right way (open the file with a
 * key first, then ATTACH without KEY) writes it encrypted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidOptionsError, open } from '../src/index.js';
import { hasAttachKey } from '../src/api/attach-key.js';
import { fileContains, randomHexKey, scratchDir } from './helpers/files.js';

const enc = { cipher: 'aegis256' as const, hexkey: randomHexKey(32) };
let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-attach-key-');
});
afterEach(() => scratch.cleanup());

describe('ATTACH ... KEY', () => {
  it('is refused by exec and prepare, and nothing is written to the file it names', () => {
    const db = open(join(scratch.dir, 'main.db'), { encryption: enc });
    const other = join(scratch.dir, 'other.db');
    try {
      expect(() => db.exec(`ATTACH '${other}' AS b KEY '${enc.hexkey}'`)).toThrow(InvalidOptionsError);
      expect(() => db.prepare(`ATTACH DATABASE ? AS "b" KEY ?`)).toThrow(InvalidOptionsError);
      expect(() => db.exec(`ATTACH '${other}' AS b KEY '${enc.hexkey}'`)).toThrow(/plaintext/);
      try {
        db.exec(`ATTACH '${other}' AS b KEY 'correct horse'`);
      } catch (e) {
        expect(String((e as Error).message)).not.toContain('correct horse');
      }
    } finally {
      db.close();
    }
    expect(existsSync(other)).toBe(false);
  });

  it('the way that works: open the file with its key, ATTACH without KEY; the file holds no plaintext', () => {
    const other = join(scratch.dir, 'other.db');
    const keep = open(other, { encryption: enc });
    const db = open(join(scratch.dir, 'main.db'), { encryption: enc });
    db.exec(`ATTACH '${other}' AS b`);
    db.exec("CREATE TABLE b.t(x); INSERT INTO b.t VALUES ('attached-secret')");
    db.close();
    keep.close();
    expect(fileContains(other, 'attached-secret')).toBe(false);
  });

  it('is told apart from KEY in literals, quoted names and comments', () => {
    expect(hasAttachKey("ATTACH 'x.db' AS x KEY 'k'")).toBe(true);
    expect(hasAttachKey('attach database ? as [b] key ?')).toBe(true);
    expect(hasAttachKey("ATTACH 'key.db' AS key")).toBe(false);
    expect(hasAttachKey("ATTACH 'x.db' AS b; SELECT 'AS b KEY'")).toBe(false);
    expect(hasAttachKey("ATTACH 'x.db' AS b -- AS b KEY x")).toBe(false);
    expect(hasAttachKey('SELECT key FROM attachments AS a')).toBe(false);
    expect(hasAttachKey('CREATE TABLE t(attach, key)')).toBe(false);
  });
});
