/**
 * Write-behind for the offline tools' output (decrypt, encrypt): each batch written is sent on to the
 * device at once, and the batch before it, once on the device, leaves the page cache. The file is still
 * fsynced whole before it is renamed into place (files.ts, AtomicOutput): durability and atomicity do not
 * change, only when the bytes travel.
 *
 * Why: left to the kernel, the whole output stays dirty in the page cache until the final fsync, which
 * then writes all of it while the tool waits (about 50 ms of a 214 MB decrypt, a third of its time), and
 * every batch needs page-cache memory of its own. On a virtual machine, memory the guest has not touched
 * lately is slow to write the first time (a 214 MB decrypt measured 150 ms with memory just freed, 500-650
 * ms without), so the tool's speed depended on what ran before it. With write-behind the device writes
 * batch n while the tool reads and opens batch n+1, the final fsync has almost nothing left, and the
 * output occupies about two batches of page cache, reused from one batch to the next: time and memory
 * stay flat with the size of the file. The output is then not in the page cache after the tool (reading
 * it right away reads the device), which is also what a large one-off copy should do to the cache.
 *
 * Linux only (sync_file_range and posix_fadvise); elsewhere, or where the file system refuses it, it is
 * off and the final fsync writes everything, as before.
 */
import { constants } from 'node:os';
import { loadAddon, type NativeToolsFunctions } from '../addon.js';

type Native = Pick<NativeToolsFunctions, 'writeBehind'>;

export class WriteBehind {
  readonly #fd: number;
  #native: Native | null;
  #pending: { offset: number; length: number } | null = null;

  /** `native` is for tests; by default the addon's, when it is built. */
  constructor(fd: number, native: Native | null = defaultNative()) {
    this.#fd = fd;
    this.#native = native;
  }

  /** False once the system refused write-behind (or has none): the final fsync then does all the writing. */
  get active(): boolean {
    return this.#native !== null;
  }

  /**
   * Call after `length` bytes were written at `offset`: starts writing them, then waits for the range
   * written before and drops it from the page cache.
   *
   * A start that fails (no such call, a file system or sandbox that refuses it: ENOSYS, ESPIPE, EPERM...)
   * turns write-behind off for this file: a start only queues writes and takes no error from the file,
   * so the final fsync still reports every write error. A wait that fails throws (an Error with the
   * errno's name as `code`, as Node's fs errors): it may have been a write-back error, which the kernel
   * reports to an open file once, so the fsync could not be relied on to report it again.
   */
  wrote(offset: number, length: number): void {
    if (length <= 0 || !this.#call(offset, length, false)) return;
    const before = this.#pending;
    this.#pending = { offset, length };
    if (before) this.#call(before.offset, before.length, true);
  }

  #call(offset: number, length: number, settle: boolean): boolean {
    if (!this.#native) return false;
    const rc = this.#native.writeBehind(this.#fd, offset, length, settle);
    if (rc === 0) return true;
    if (settle && rc > 0) throw writeBackError(rc);
    this.#native = null;
    this.#pending = null;
    return false;
  }
}

function defaultNative(): Native | null {
  const addon = loadAddon();
  return addon && typeof addon.writeBehind === 'function' ? (addon as Native) : null;
}

function writeBackError(errno: number): Error {
  const name = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  return Object.assign(new Error(`write-back failed: ${name}`), { code: name, errno: -errno });
}
