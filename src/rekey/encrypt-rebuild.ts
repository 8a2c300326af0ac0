/**
 * `encryptFile` for a plain database whose pages do not reserve the cipher's bytes (every ordinary
 * SQLite file reserves none): SQLite rebuilds it into the new encrypted file with VACUUM INTO, from
 * a read-only connection, so the input is not written (not even a WAL checkpoint). The reserve the
 * copy gets is asked of that connection through the VFS (SQLITE_FCNTL_RESERVE_BYTES: VACUUM INTO
 * takes the larger of it and the input's own). The output is written under a temporary name in its
 * directory, fsynced and renamed into place.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { FormatError, PagesealError } from '../errors.js';
import { Database } from '../api/database.js';
import { install } from '../api/install.js';
import { acquireKey, releaseKey } from '../api/keys.js';
import { loadAddon } from '../addon.js';
import type { ResolvedEncryption } from '../options.js';
import { checkPageGeometry } from '../format/sqlite-header.js';
import { checkOutputPath, fsyncDir } from '../tools/files.js';
import type { TransformResult } from '../tools/transform.js';
import { bytesNeeded, checkFreeSpace } from './space.js';

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // not there
  }
}

/** Encrypts the plain database `input` into the new file `output` under `enc`, whatever its reserve. */
export function encryptByRebuild(input: string, output: string, enc: ResolvedEncryption, inputReserve: number): TransformResult {
  const want = enc.cipher.reservedBytes;
  if (inputReserve > want) {
    throw new FormatError(
      'RESERVE_MISMATCH',
      `${input} reserves ${inputReserve} bytes per page, more than ${enc.cipher.name} uses (${want}): encrypt a copy of it in place with pageseal rekey <copy> --cipher none --new-cipher ${enc.cipher.name}`,
    );
  }
  checkOutputPath(input, output);
  const vfs = install();
  const tmp = join(dirname(resolve(output)), `.${basename(output)}.${randomBytes(6).toString('hex')}.pageseal-tmp`);
  const src = new Database(input, { readonly: true, fileMustExist: true });
  const keyId = acquireKey(vfs, tmp, enc);
  let done = false;
  try {
    const pageSize = Number(src.pragma('page_size', { simple: true }));
    const pages = Number(src.pragma('page_count', { simple: true }));
    checkPageGeometry(pageSize, want);
    checkFreeSpace(dirname(resolve(output)), bytesNeeded(pageSize, pages, inputReserve, want));
    const addon = loadAddon() as unknown as { requestReserve(path: string, n: number): void };
    addon.requestReserve(input, want);
    src.prepare('VACUUM INTO ?').run(tmp);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, output);
    done = true;
    fsyncDir(dirname(resolve(output)));
    return { pages: Math.floor(statSync(output).size / pageSize), walFrames: 0 };
  } catch (e) {
    if (e instanceof PagesealError) throw e;
    throw new PagesealError('IO', `cannot encrypt ${input} into ${output}: ${(e as Error).message}`, { cause: e });
  } finally {
    src.close();
    releaseKey(vfs, keyId);
    if (!done) unlinkQuiet(tmp);
    unlinkQuiet(tmp + '-journal');
  }
}
