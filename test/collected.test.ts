/**
 * A Database collected without close() releases its key registration: better-sqlite3 closes the
 * connection, and the VFS drops the registration the main file holds (src/api/keys.ts). No weak
 * reference to the Database is kept for it (bench/open-close.ts measures the memory). Each case runs
 * in a child process with --expose-gc (test/helpers/child-collected.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { findCipherSpec } from '../src/index.js';
import { runScript } from './helpers/run-script.js';
import { scratchDir, randomHexKey } from './helpers/files.js';
import { createEncrypted } from './helpers/pageseal.js';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir('pageseal-gc-');
});
afterEach(() => scratch.cleanup());

const keyFor = (cipher: string) => randomHexKey(findCipherSpec(cipher).keySize);
const run = (mode: string, args: string[] = [], env: Record<string, string> = {}) =>
  runScript('child-collected.ts', [mode, ...args], env, { nodeArgs: ['--expose-gc'] });

describe('key registrations of collected Databases', () => {
  it('a Database closed and collected later leaves the registration of a newer connection to the file alone', async () => {
    const path = join(scratch.dir, 'closed.db');
    const key = { cipher: 'aegis256', hexkey: keyFor('aegis256') } as const;
    createEncrypted(path, { ...key, rows: 5 });
    const out = await run('closed-then-collected', [path, key.cipher], { PAGESEAL_TEST_HEXKEY: key.hexkey, PAGESEAL_TEST_OTHER_HEXKEY: keyFor('aegis256') });
    expect(out.trim().split('\n')).toEqual(['conflict', 'page 1']);
  });

  it('a plain Database encrypted with db.rekey() and dropped releases its new registration when collected', async () => {
    const path = join(scratch.dir, 'rekeyed.db');
    const plain = new BetterSqlite3(path);
    plain.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)');
    plain.close();
    const key = { cipher: 'aes256gcm', hexkey: keyFor('aes256gcm') } as const;
    const out = await run('rekeyed-then-dropped', [path, key.cipher], { PAGESEAL_TEST_HEXKEY: key.hexkey, PAGESEAL_TEST_OTHER_HEXKEY: keyFor('aes256gcm') });
    expect(out.trim().split('\n')).toEqual(['conflict', 'page 1']);
  });
});
