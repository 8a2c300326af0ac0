/** `verifyFile`: authenticates every page of an encrypted database (either format) and every committed frame of its -wal. */
import { PagesealError } from '../errors.js';
import type { PageContext, PageFormat } from '../format/page-codec.js';
import { DatabaseSource } from './source.js';
import { withSourceCodec, type ToolOptions } from './codec.js';
import { batchPages, pageBatch, type PageBatch } from './page-batch.js';

export interface VerifyFailure {
  where: 'db' | 'wal';
  page: number;
  /** 0-based frame index (WAL failures only). */
  frame?: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  pagesChecked: number;
  framesChecked: number;
  /** The first MAX_LISTED_FAILURES failures (memory stays bounded on a wholly wrong key). */
  failures: VerifyFailure[];
  failureCount: number;
  /**
   * Whole frames in the -wal beyond the committed ones (uncommitted, or after a checksum break:
   * SQLite and Turso ignore them too). Not a failure, but a sign of a crash or of damage to the WAL.
   */
  walFramesIgnored: number;
  /** What the committed WAL frames' checksums cover: stored bytes (Turso) or plaintext (SQLite through the pageseal VFS). */
  walChecksums: 'stored' | 'plaintext';
  /**
   * True when not one page or frame authenticated: the key or cipher is wrong (or the whole file
   * was replaced). A modified file fails on the pages that were modified only.
   */
  wrongKey: boolean;
}

export const MAX_LISTED_FAILURES = 1000;

/**
 * Checks every page. A page that fails is listed (not thrown); a file that cannot be read as an
 * encrypted database of this format and cipher at all (missing, not Turso, cipher mismatch, truncated) throws.
 */
export function verifyFile(path: string, opts: ToolOptions): VerifyResult {
  const src = DatabaseSource.open(path);
  try {
    return withSourceCodec(src, opts, (codec, enc) => {
      src.adoptPlaintextChecksummedWal((n, stored, out, ctx) => codec.decryptPage(n, stored, ctx, out));
      const pages = pageBatch(codec, enc, opts.backend);
      try {
        return checkAll(src, codec, pages);
      } finally {
        pages.wipe();
      }
    });
  } finally {
    src.close();
  }
}

function checkAll(src: DatabaseSource, codec: PageFormat, pages: PageBatch): VerifyResult {
  const result: VerifyResult = { ok: true, pagesChecked: 0, framesChecked: 0, failures: [], failureCount: 0, wrongKey: false, walFramesIgnored: src.walFramesIgnored, walChecksums: src.walChecksums };
  const page = new Uint8Array(src.pageSize);
  // The file's pages in batches (one read and one native call per batch), then each committed WAL frame.
  const per = batchPages(src.pageSize);
  const buf = new Uint8Array(Math.min(per, Math.max(src.filePages, 1)) * src.pageSize);
  for (let first = 1; first <= src.filePages; first += per) {
    const n = Math.min(per, src.filePages - first + 1);
    const chunk = buf.subarray(0, n * src.pageSize);
    src.readFilePage(first, chunk);
    for (const f of pages.decrypt(first, chunk, n)) fail(result, { where: 'db', page: f.pageNo }, f.error);
    result.pagesChecked += n;
  }
  for (const f of src.frames) {
    src.readFrame(f, page);
    check(result, codec, f.pageNumber, page, src.frameContext(f), { where: 'wal', page: f.pageNumber, frame: f.index });
    result.framesChecked++;
  }
  result.ok = result.failureCount === 0;
  result.wrongKey = result.failureCount > 0 && result.failureCount === result.pagesChecked + result.framesChecked;
  return result;
}

function check(result: VerifyResult, codec: PageFormat, pageNo: number, page: Uint8Array, ctx: PageContext, at: Omit<VerifyFailure, 'reason'>): void {
  try {
    codec.decryptPage(pageNo, page, ctx);
  } catch (err) {
    if (!(err instanceof PagesealError)) throw err;
    fail(result, at, err);
  }
}

function fail(result: VerifyResult, at: Omit<VerifyFailure, 'reason'>, err: PagesealError): void {
  result.failureCount++;
  if (result.failures.length < MAX_LISTED_FAILURES) result.failures.push({ ...at, reason: err.message });
}
