/** `encryptFile`: a plain SQLite database (+ its committed -wal frames) to a Turso-encrypted file. */
import { existsSync, statSync } from 'node:fs';
import { FormatError, PagesealError } from '../errors.js';
import { DatabaseSource } from './source.js';
import { codecFor, withEncryption, type ToolOptions } from './codec.js';
import { transformPages, type TransformResult } from './transform.js';
import { pageBatch } from './page-batch.js';

/**
 * Encrypts `input` into `output` (which must not exist) with fresh random nonces. The input must
 * already reserve the cipher's nonce + tag bytes at the end of every page (header byte 20).
 */
export function encryptFile(input: string, output: string, opts: ToolOptions): TransformResult {
  return withEncryption(opts, (enc) => {
    const src = DatabaseSource.open(input);
    try {
      checkPlain(src);
      const codec = reserveChecked(() => codecFor(src.header.reservedBytes, src.pageSize, enc, opts.backend), input);
      try {
        const pages = pageBatch(codec, enc, opts.backend);
        try {
          return transformPages(src, output, { batch: (first, buf, count) => pages.encrypt(first, buf, count) });
        } finally {
          pages.wipe();
        }
      } finally {
        codec.wipe();
      }
    } finally {
      src.close();
    }
  });
}

function checkPlain(src: DatabaseSource): void {
  if (src.kind === 'turso') throw new FormatError('NOT_A_DATABASE', `${src.path} is already Turso-encrypted; encrypt takes a plain SQLite database`);
  const journal = src.path + '-journal';
  if (existsSync(journal) && statSync(journal).size > 0) {
    throw new FormatError('CORRUPT', `${src.path} has a hot rollback journal (${journal}); open it once with SQLite to roll it back first`);
  }
}

/** Rewords a reserve mismatch into what the user can do about it. */
function reserveChecked<T>(make: () => T, input: string): T {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof PagesealError) || err.code !== 'RESERVE_MISMATCH') throw err;
    throw new FormatError(
      'RESERVE_MISMATCH',
      `${input}: ${err.message}. Rebuild it with that reserve first: in the sqlite3 shell run ".filectrl reserve_bytes <n>" then "VACUUM" ` +
        '(the reserve cannot be set from better-sqlite3), or start from a decrypted Turso file of the same cipher family',
    );
  }
}
