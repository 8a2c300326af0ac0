import { readSync } from 'node:fs';

/** Reads `buf.length` bytes at `position` unless the file ends first; returns the count read. */
export function readAt(fd: number, buf: Uint8Array, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
