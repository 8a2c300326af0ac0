/** `info`: what a database file is, read from its plaintext header and WAL; no key needed. */
import { PagesealError } from '../errors.js';
import { cipherSpecById } from '../ciphers/registry.js';
import type { CipherName } from '../ciphers/types.js';
import { DatabaseSource } from './source.js';
import { hexId, parsePagesealHeader, type ScryptParams } from '../format/pageseal-header.js';
import { existsSync } from 'node:fs';
import { journalState } from './journal.js';

export interface FileInfo {
  format: 'turso' | 'pageseal' | 'sqlite' | 'unknown';
  /** pageseal's format: its version byte. */
  formatVersion?: number;
  /** pageseal's format: the database id (32 hex digits), bound into every page. */
  databaseId?: string;
  /** pageseal's format: the key derivation (null: the key is given raw). Authenticated with page 1. */
  kdf?: ScryptParams | null;
  /** The cipher named by an encrypted file's id byte (absent when the id is unknown). */
  cipher?: CipherName;
  cipherId?: number;
  pageSize: number;
  /** Pages after the last commit (the committed WAL frames included). */
  pageCount: number;
  reservedBytes: number;
  walPresent: boolean;
  /** Committed frames in the -wal whose checksums verify over the stored bytes (when present). */
  walFrames?: number;
  /**
   * Whole frames in the -wal (when present). More than walFrames: uncommitted frames, damage, or a
   * WAL written through the pageseal VFS (its checksums cover plaintext: only verifiable with the key).
   */
  walFramesInFile?: number;
  /**
   * A hot rollback journal is beside the file: a write transaction was interrupted (or is running),
   * so the figures above may be of pages never committed. The other tools refuse such a file
   * (HOT_JOURNAL) until SQLite has rolled the journal back.
   */
  hotJournal: boolean;
  /** Size in bytes of the rollback journal beside the file (when there is one, hot or not). */
  journalBytes?: number;
  /** Why the file is not a database (format 'unknown' only). */
  reason?: string;
}

export function info(path: string): FileInfo {
  let src: DatabaseSource;
  try {
    src = DatabaseSource.open(path, { allowHotJournal: true });
  } catch (err) {
    if (err instanceof PagesealError && err.code === 'NOT_A_DATABASE') return unknownInfo(path, err.message);
    throw err;
  }
  try {
    return describe(src);
  } finally {
    src.close();
  }
}

function describe(src: DatabaseSource): FileInfo {
  const out: FileInfo = {
    format: src.kind === 'turso' || src.kind === 'pageseal' ? src.kind : 'sqlite',
    pageSize: src.pageSize,
    pageCount: src.pageCount,
    reservedBytes: src.header.reservedBytes,
    walPresent: src.walPresent,
    hotJournal: src.journal?.hot === true,
  };
  if (src.kind === 'pageseal') {
    const h = parsePagesealHeader(src.storedHeader);
    out.formatVersion = src.storedHeader[8]!;
    out.databaseId = hexId(h.databaseId);
    out.kdf = h.kdf;
    out.cipherId = h.cipherId;
    const spec = cipherSpecById(h.cipherId);
    if (spec) out.cipher = spec.name;
  }
  if (src.journal) out.journalBytes = src.journal.bytes;
  if (src.kind === 'turso') {
    out.cipherId = src.storedHeader[6]!;
    const spec = cipherSpecById(out.cipherId);
    if (spec) out.cipher = spec.name;
  }
  if (src.walPresent) {
    out.walFrames = src.frames.length;
    out.walFramesInFile = src.frames.length + src.walFramesIgnored;
  }
  return out;
}

function unknownInfo(path: string, reason: string): FileInfo {
  const walPresent = existsSync(path + '-wal');
  const journal = journalState(path);
  const out: FileInfo = { format: 'unknown', pageSize: 0, pageCount: 0, reservedBytes: 0, walPresent, hotJournal: journal?.hot === true, reason };
  if (journal) out.journalBytes = journal.bytes;
  return out;
}
