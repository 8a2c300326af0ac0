/**
 * Before SQLite sees an encrypted file: fold a Turso-written -wal into it.
 *
 * Turso's WAL checksums cover the encrypted pages, SQLite's cover the plaintext it saw, so SQLite
 * would take a Turso WAL for a torn one and discard its committed frames. foldTursoWal (src/tools)
 * copies such frames into the database after authenticating all of them, and does nothing for a
 * WAL whose chain does not verify over the stored bytes (one written by pageseal through SQLite).
 * Such a WAL is not even handed to it: a process killed during a checkpoint leaves a database file
 * shorter than its header says (the rest is in the WAL), which the offline reader refuses as
 * truncated, while SQLite recovers it through the VFS. So only a WAL whose first frame verifies over
 * its stored bytes (Turso's) is folded, as the VFS's own check (walcheck.c) tells them apart.
 * It must not run while a connection has the file open, so it is skipped when this process has one.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { AuthenticationError } from '../errors.js';
import { getCipher } from '../ciphers/registry.js';
import { createPageFormat } from '../format/page-codec.js';
import { decodePageSize } from '../format/sqlite-header.js';
import type { EncryptionOpts, ResolvedEncryption } from '../options.js';
import { checkFrame, parseWalHeader, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE } from '../format/wal.js';
import { foldTursoWal } from '../tools/fold-wal.js';
import { loadAddon } from '../addon.js';
import { isRegistered } from './keys.js';
import type { VfsBinding } from './install.js';

function nonEmpty(path: string): boolean {
  try {
    // No exception for a missing file (the common case): building one costs more than the stat itself.
    return (statSync(path, { throwIfNoEntry: false })?.size ?? 0) > 0;
  } catch {
    return false;
  }
}

/**
 * True when the WAL's first frame is valid with its checksum taken over the stored page: a WAL
 * written by Turso. SQLite's checksums through the VFS cover the plaintext instead, so its frames
 * fail this test (but for a 2^-64 chance).
 */
function isTursoWal(walPath: string): boolean {
  const fd = openSync(walPath, 'r');
  try {
    const head = Buffer.alloc(WAL_HEADER_SIZE);
    const header = readSync(fd, head, 0, head.length, 0) === head.length ? parseWalHeader(head) : null;
    if (!header) return false;
    const frame = Buffer.alloc(WAL_FRAME_HEADER_SIZE + header.pageSize);
    if (readSync(fd, frame, 0, frame.length, WAL_HEADER_SIZE) !== frame.length) return false;
    return checkFrame(header, frame, Uint32Array.of(header.checksum1, header.checksum2)) !== null;
  } finally {
    closeSync(fd);
  }
}

/** Authenticates page 1 of the main file (throws AuthenticationError naming page 1). */
function verifyPage1(path: string, enc: ResolvedEncryption): void {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(100);
    readSync(fd, head, 0, 100, 0);
    const pageSize = decodePageSize(head[16]!, head[17]!);
    const page = Buffer.alloc(pageSize);
    readSync(fd, page, 0, pageSize, 0);
    const codec = createPageFormat('turso', getCipher(enc.cipher.name), enc.key, pageSize);
    try {
      codec.decryptPage(1, page);
    } catch (e) {
      if (e instanceof AuthenticationError) {
        throw new AuthenticationError(`page 1 of ${path} failed authentication: wrong key or cipher, or the page was modified`, 1);
      }
      throw e;
    } finally {
      codec.wipe();
      page.fill(0);
    }
  } finally {
    closeSync(fd);
  }
}

/** Folds a Turso-written -wal of `path` into it; a no-op without one. Writes nothing on a wrong key. */
export function foldWal(vfs: VfsBinding, path: string, opts: EncryptionOpts, enc: ResolvedEncryption): void {
  if (!nonEmpty(path + '-wal') || isRegistered(vfs, path) || !isTursoWal(path + '-wal')) return;
  try {
    foldTursoWal(path, { cipher: opts.cipher, hexkey: opts.hexkey });
  } catch (e) {
    // A frame failed: with a wrong key page 1 fails too, and that is the error to report.
    if (e instanceof AuthenticationError && nonEmpty(path)) verifyPage1(path, enc);
    throw e;
  } finally {
    loadAddon()?.wipeKeyCache(); // the cipher binding caches the last expanded key per thread
  }
}
