/** Streams every page of a database (WAL folded in) through a per-page transform into a new file. */
import type { PageContext } from '../format/page-codec.js';
import { AtomicOutput, checkOutputPath } from './files.js';
import type { DatabaseSource } from './source.js';

export interface TransformResult {
  /** Pages written to the output. */
  pages: number;
  /** Committed WAL frames that were folded in. */
  walFrames: number;
}

/**
 * Writes pages 1..pageCount of `src` (latest committed versions), each passed through `transform`
 * in one reused buffer, to `output` atomically: a temporary file in the same directory, fsynced and
 * renamed at the end, removed on any error.
 */
export function transformPages(src: DatabaseSource, output: string, transform: (pageNo: number, page: Uint8Array, ctx: PageContext) => void): TransformResult {
  checkOutputPath(src.path, output);
  const out = new AtomicOutput(output);
  try {
    const page = new Uint8Array(src.pageSize);
    const count = src.pageCount;
    for (let n = 1; n <= count; n++) {
      src.readPage(n, page);
      transform(n, page, src.contextOf(n));
      out.write(page, (n - 1) * src.pageSize);
    }
    out.commit();
    return { pages: count, walFrames: src.frames.length };
  } finally {
    out.abort();
  }
}
