/** Small synchronous file helpers for the offline tools: whole reads/writes, typed I/O errors, atomic outputs. */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidOptionsError, PagesealError } from '../errors.js';
import { WriteBehind } from './write-behind.js';

/** Wraps a Node fs error into a PagesealError IO with a readable message. */
export function ioError(err: unknown, what: string, path: string): PagesealError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'I/O error');
  return new PagesealError('IO', `cannot ${what} ${path}: ${reason}`, { cause: err });
}

export function openFile(path: string, flags: string, what = 'open'): number {
  try {
    return openSync(path, flags, 0o600);
  } catch (err) {
    throw ioError(err, what, path);
  }
}

export { readAt } from '../format/read-at.js';

export function writeAt(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

/** fsyncs a directory so a rename in it is durable (best effort where directories cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // some platforms refuse fsync on directories; the rename itself is still atomic
  } finally {
    closeSync(fd);
  }
}

/** Refuses an output path that exists (or has a -wal/-journal beside it) or is the input itself. */
export function checkOutputPath(input: string, output: string): void {
  if (typeof output !== 'string' || output.length === 0) throw new InvalidOptionsError('an output path is needed');
  const abs = resolve(output);
  if (abs === resolve(input) || abs === resolve(input + '-wal')) throw new InvalidOptionsError('the output path must differ from the input');
  for (const p of [output, output + '-wal', output + '-journal']) {
    if (existsSync(p)) throw new InvalidOptionsError(`${p} already exists; refusing to overwrite it (remove it or choose another output path)`);
  }
}

/**
 * An output file written under a temporary name in the target directory and renamed into place by
 * `commit()` after an fsync, so a reader never sees a partial file under the final name. What is
 * written goes on to the device behind the writer (write-behind.ts), so the fsync has little left.
 */
export class AtomicOutput {
  readonly fd: number;
  readonly tempPath: string;
  readonly #finalPath: string;
  readonly #behind: WriteBehind;
  #open = true;

  constructor(finalPath: string) {
    this.#finalPath = finalPath;
    const tag = randomBytes(6).toString('hex');
    this.tempPath = join(dirname(finalPath), `.${basename(finalPath)}.${tag}.pageseal-tmp`);
    this.fd = openFile(this.tempPath, 'wx', 'create');
    this.#behind = new WriteBehind(this.fd);
  }

  write(buf: Uint8Array, position: number): void {
    try {
      writeAt(this.fd, buf, position);
      this.#behind.wrote(position, buf.length);
    } catch (err) {
      throw ioError(err, 'write', this.tempPath);
    }
  }

  commit(): void {
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.#open = false;
      renameSync(this.tempPath, this.#finalPath);
    } catch (err) {
      this.abort();
      throw ioError(err, 'finish writing', this.#finalPath);
    }
    fsyncDir(dirname(this.#finalPath));
  }

  /** Closes and removes the temporary file (safe to call more than once). */
  abort(): void {
    if (this.#open) {
      this.#open = false;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // already gone (or renamed)
    }
  }
}
