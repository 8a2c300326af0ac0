/** `encryptFile`: a plain SQLite database (+ its committed -wal frames) to an encrypted file (Turso's format, or pageseal's with a new database id). */
import { FormatError, PagesealError } from '../errors.js';
import { DatabaseSource } from './source.js';
import { codecFor, withEncryption, type ToolOptions } from './codec.js';
import { transformPages, type TransformResult } from './transform.js';
import { encryptByRebuild } from '../rekey/encrypt-rebuild.js';
import { pageBatch } from './page-batch.js';

/**
 * Encrypts `input` into `output` (which must not exist) with fresh random nonces. An input whose
 * pages already reserve the cipher's nonce + tag bytes (header byte 20) is sealed page by page; any
 * other plain file (every ordinary SQLite file reserves 0) is rebuilt by SQLite for that reserve
 * (src/rekey/encrypt-rebuild.ts). The input is only read.
 */
export function encryptFile(input: string, output: string, opts: ToolOptions): TransformResult {
  return withEncryption(opts, null, (enc) => {
    const src = DatabaseSource.open(input);
    try {
      checkPlain(src);
      if (src.header.reservedBytes !== enc.cipher.reservedBytes) return encryptByRebuild(input, output, enc, src.header.reservedBytes);
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
  // (a hot rollback journal is refused by DatabaseSource.open)
  if (src.kind === 'turso' || src.kind === 'pageseal') {
    throw new FormatError('NOT_A_DATABASE', `${src.path} is already encrypted (${src.kind} format); encrypt takes a plain SQLite database`);
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
