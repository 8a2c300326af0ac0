/** `decryptFile`: an encrypted database, either format (+ its committed -wal frames), to a plain SQLite file. */
import { DatabaseSource } from './source.js';
import { withSourceCodec, type ToolOptions } from './codec.js';
import { transformPages, type TransformResult } from './transform.js';

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
    return withSourceCodec(src, opts, (codec) => {
      src.adoptPlaintextChecksummedWal((n, stored, out, ctx) => codec.decryptPage(n, stored, ctx, out));
      return transformPages(src, output, (n, page, ctx) => codec.decryptPage(n, page, ctx));
    });
  } finally {
    src.close();
  }
}
