/** The free disk space a key change needs, checked before anything is written (docs/rekey.md). */
import { statfsSync } from 'node:fs';
import { PagesealError } from '../errors.js';

/** Bytes the new copy can take: the old pages, plus what a larger reserve adds, plus 1 MiB for its journal. */
export function bytesNeeded(pageSize: number, pageCount: number, oldReserve: number, newReserve: number): number {
  const grow = newReserve > oldReserve ? (pageSize - oldReserve) / (pageSize - newReserve) : 1;
  return Math.ceil(pageSize * pageCount * grow * 1.01) + 2 * pageSize + (1 << 20);
}

/** Throws PagesealError IO when the filesystem of `dir` has less than `needed` bytes free. */
export function checkFreeSpace(dir: string, needed: number): void {
  let free: number;
  try {
    const s = statfsSync(dir);
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // no statfs here: the copy itself fails cleanly on a full disk
  }
  if (free < needed) {
    const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
    throw new PagesealError('IO', `not enough free disk space for the re-keyed copy: it needs about ${mib(needed)} in ${dir}, ${mib(free)} are free; nothing was changed`);
  }
}
