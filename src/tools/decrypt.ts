/** `decryptFile`: a Turso-encrypted database (+ its committed -wal frames) to a plain SQLite file. */
import { DatabaseSource } from './source.js';
import { tursoCodec, withEncryption, type ToolOptions } from './codec.js';
import { transformPages, type TransformResult } from './transform.js';
import { pageBatch } from './page-batch.js';

/**
 * Writes the plain database to `output` (which must not exist). The -wal beside the input is folded
 * in whether its checksums cover the stored pages (Turso) or the plaintext (SQLite through the
 * pageseal VFS). Every page is authenticated; on any
 * failure nothing is left at `output`. The plaintext pages keep their zeroed reserved tail (header
 * byte 20 unchanged), which stock SQLite accepts. The input is only read.
 */
export function decryptFile(input: string, output: string, opts: ToolOptions): TransformResult {
  return withEncryption(opts, (enc) => {
    const src = DatabaseSource.open(input);
    try {
      const codec = tursoCodec(src, enc, opts.backend);
      try {
        src.adoptPlaintextChecksummedWal((n, stored, out) => codec.decryptPage(n, stored, {}, out));
        const pages = pageBatch(codec, enc, opts.backend);
        try {
          return transformPages(src, output, {
            batch(first, buf, count) {
              const failed = pages.decrypt(first, buf, count);
              if (failed.length > 0) throw failed[0]!.error;
            },
          });
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
