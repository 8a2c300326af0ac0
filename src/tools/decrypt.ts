/** `decryptFile`: an encrypted database, either format (+ its committed -wal frames), to a plain SQLite file. */
import { DatabaseSource } from './source.js';
import { withSourceCodec, type ToolOptions } from './codec.js';
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
  const src = DatabaseSource.open(input);
  try {
    return withSourceCodec(src, opts, (codec, enc) => {
      src.adoptPlaintextChecksummedWal((n, stored, out, ctx) => codec.decryptPage(n, stored, ctx, out));
      // Pages in batches (one native call per batch for Turso's format; page by page with each page's
      // context for pageseal's), a page that fails authentication stops the copy.
      const pages = pageBatch(codec, enc, opts.backend, (n) => src.contextOf(n));
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
    });
  } finally {
    src.close();
  }
}
