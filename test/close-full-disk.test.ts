/**
 * close() on a full disk in WAL mode (issue 7, item 9): the checkpoint inside close() fails for lack
 * of space, but the connection closes and every committed row stays in the -wal, so close() does not
 * throw; it emits a PagesealWarning (PAGESEAL_CHECKPOINT_FAILED). The disk is filled with a file-size
 * limit on a child process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { open, findCipherSpec } from '../src/index.js';
import { runScript } from './helpers/run-script.js';
import { randomHexKey, scratchDir, sizeOf } from './helpers/files.js';
import { createEncrypted, insertRows, readRows } from './helpers/pageseal.js';
import { expectedRowsSha256, rowsSha256 } from './helpers/rows.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-full-');
});
afterEach(() => scratch.cleanup());

const keyFor = (cipher: string) => randomHexKey(findCipherSpec(cipher).keySize);

describe('close() on a full disk in WAL mode', () => {
  it.each(['aegis256', 'aes128gcm'] as const)('%s: does not throw once closed, warns, keeps every row in the -wal', async (cipher) => {
    const path = join(scratch.dir, 'full.db');
    const key = { cipher, hexkey: keyFor(cipher) };
    createEncrypted(path, { ...key, rows: 10 });
    const holder = open(path, { encryption: key }); // keeps the WAL alive while the child runs
    holder.pragma('wal_autocheckpoint = 0');
    insertRows(holder, 11, 3000); // about 1 MB of frames that the main file cannot take under the limit
    const limitKiB = Math.ceil(sizeOf(path) / 1024) + 16;
    const walBefore = sizeOf(path + '-wal');
    const out = await runScript('child-close.ts', [path, key.cipher], { PAGESEAL_TEST_HEXKEY: key.hexkey, PAGESEAL_TEST_OTHER_HEXKEY: keyFor(cipher) }, { fileSizeLimitKiB: limitKiB });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('close ok - - open=false');
    expect(lines).toContain('warning PagesealWarning PAGESEAL_CHECKPOINT_FAILED');
    expect(sizeOf(path + '-wal')).toBeGreaterThanOrEqual(walBefore);
    expect(rowsSha256(readRows(holder))).toBe(expectedRowsSha256(3000));
    holder.close();
    const db = open(path, { encryption: key, readonly: true });
    expect(rowsSha256(readRows(db))).toBe(expectedRowsSha256(3000));
    db.close();
  });
});
