/** File helpers for the database tests: scratch folders, hashes, side files. */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** A fresh scratch folder; `cleanup()` removes it. */
export function scratchDir(prefix = 'pageseal-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Journal, WAL and shm files next to `dbPath` (names starting with its base name plus '-'). */
export function sideFiles(dbPath: string): string[] {
  const base = basename(dbPath);
  return readdirSync(dirname(dbPath)).filter((f) => f.startsWith(base + '-'));
}

/** Size of `path`, or -1 when it does not exist. */
export function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : -1;
}

/** A random hex key of `bytes` bytes. */
export function randomHexKey(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** True when `needle` occurs anywhere in the file's bytes. */
export function fileContains(path: string, needle: Uint8Array | string): boolean {
  return readFileSync(path).includes(typeof needle === 'string' ? Buffer.from(needle, 'utf8') : Buffer.from(needle));
}
