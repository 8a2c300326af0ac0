/**
 * `foldTursoWal`: checkpoints a Turso-written -wal into its database file, offline.
 *
 * Turso's WAL frames hold pages already encrypted in the database's page format, and their checksum
 * chain covers those stored bytes (docs/format.md, "WAL"), so folding is a copy: each
 * committed page to its offset, the file cut to the last commit's size, fsync, then the WAL truncated.
 * The WAL is only emptied after the database is durable, so a run killed midway can simply be
 * repeated. Must not run while another connection has the database open.
 */
import { fsyncSync, ftruncateSync } from 'node:fs';
import { AuthenticationError, PagesealError } from '../errors.js';
import type { PageFormat } from '../format/page-codec.js';
import { DatabaseSource } from './source.js';
import { withSourceCodec, type ToolOptions } from './codec.js';
import { ioError, writeAt } from './files.js';

/**
 * Returns the number of committed frames folded: 0 (and nothing changed) when the -wal is absent,
 * empty, or its chain does not verify over the stored bytes (e.g. a WAL whose checksums cover
 * plaintext pages). Throws AuthenticationError, writing nothing, when a committed frame fails.
 */
export function foldTursoWal(dbPath: string, opts: ToolOptions): number {
  const src = DatabaseSource.open(dbPath, { writable: true });
  try {
    if (!src.wal) return 0;
    withSourceCodec(src, opts, (codec) => authenticateFrames(src, codec));
    copyFrames(src);
    return src.frames.length;
  } finally {
    src.close();
  }
}

function authenticateFrames(src: DatabaseSource, codec: PageFormat): void {
  const page = new Uint8Array(src.pageSize);
  for (const f of src.frames) {
    src.readFrame(f, page);
    try {
      codec.decryptPage(f.pageNumber, page, src.frameContext(f));
    } catch (err) {
      if (!(err instanceof PagesealError)) throw err;
      throw new AuthenticationError(`WAL frame ${f.index} (page ${f.pageNumber}) of ${src.path}-wal failed: ${err.message}; nothing was written`, f.pageNumber);
    }
  }
}

function copyFrames(src: DatabaseSource): void {
  const p = src.pageSize;
  const size = src.wal!.databaseSize;
  const page = new Uint8Array(p);
  try {
    for (const [pageNo, offset] of src.wal!.latest) {
      if (pageNo > size) continue;
      src.readFrame({ index: -1, pageNumber: pageNo, commitSize: 0, pageOffset: offset }, page);
      writeAt(src.fd, page, (pageNo - 1) * p);
    }
    ftruncateSync(src.fd, size * p);
    fsyncSync(src.fd);
    ftruncateSync(src.walFd!, 0);
    fsyncSync(src.walFd!);
  } catch (err) {
    if (err instanceof PagesealError) throw err;
    throw ioError(err, 'fold the WAL into', src.path);
  }
}
