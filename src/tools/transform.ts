/** Streams every page of a database (WAL folded in) through a transform into a new file. */
import type { PageContext } from '../format/page-codec.js';
import { AtomicOutput, checkOutputPath } from './files.js';
import type { DatabaseSource } from './source.js';
import { batchPages } from './page-batch.js';

export interface TransformResult {
  /** Pages written to the output. */
  pages: number;
  /** Committed WAL frames that were folded in. */
  walFrames: number;
}

/** A transform of one page, in place; `ctx` is what the page's format binds (a WAL frame's, for a page read from the -wal). */
export type PageTransform = (pageNo: number, page: Uint8Array, ctx: PageContext) => void;

/** A transform of `count` consecutive pages held back to back in `pages`, in place (see page-batch.ts). */
export interface BatchTransform {
  batch(firstPageNo: number, pages: Uint8Array, count: number): void;
}

/**
 * Writes pages 1..pageCount of `src` (latest committed versions), passed through `transform`, to
 * `output` atomically: a temporary file in the same directory, fsynced and renamed at the end,
 * removed on any error. Pages go through in batches of consecutive pages (one read of the file per
 * batch, WAL pages laid over it, one write), in one reused buffer: memory does not grow with the file.
 */
export function transformPages(src: DatabaseSource, output: string, transform: PageTransform | BatchTransform): TransformResult {
  checkOutputPath(src.path, output);
  const out = new AtomicOutput(output);
  try {
    const ps = src.pageSize;
    const count = src.pageCount;
    const batch = typeof transform === 'function' ? perPage(transform, ps, src) : transform.batch.bind(transform);
    const buf = new Uint8Array(Math.min(batchPages(ps), Math.max(count, 1)) * ps);
    for (let first = 1; first <= count; first += buf.length / ps) {
      const n = Math.min(buf.length / ps, count - first + 1);
      const pages = buf.subarray(0, n * ps);
      readPages(src, first, pages, n);
      batch(first, pages, n);
      out.write(pages, (first - 1) * ps);
    }
    out.commit();
    return { pages: count, walFrames: src.frames.length };
  } finally {
    out.abort();
  }
}

function perPage(transform: PageTransform, ps: number, src: DatabaseSource): BatchTransform['batch'] {
  return (first, pages, count) => {
    for (let i = 0; i < count; i++) transform(first + i, pages.subarray(i * ps, (i + 1) * ps), src.contextOf(first + i));
  };
}

/** Reads pages first..first+count-1 (latest committed versions) into `pages`: one read of the file, WAL pages over it. */
export function readPages(src: DatabaseSource, first: number, pages: Uint8Array, count: number): void {
  const ps = src.pageSize;
  const inFile = Math.max(0, Math.min(count, src.filePages - first + 1));
  if (inFile > 0) src.readFilePage(first, pages.subarray(0, inFile * ps));
  const latest = src.wal?.latest;
  for (let i = 0; i < count; i++) {
    if (i >= inFile || latest?.has(first + i)) src.readPage(first + i, pages.subarray(i * ps, (i + 1) * ps));
  }
}
