/**
 * The engines of the database benchmark (bench/db.ts) and how each opens a database: plain
 * better-sqlite3, pageseal (a cipher), and better-sqlite3-multiple-ciphers (SQLite3MC, a scheme).
 * Every engine speaks better-sqlite3's API; the descriptor is plain data so a worker thread can open
 * the same engine (bench/db-worker.ts).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { open } from '../src/index.js';
import type { CipherName } from '../src/ciphers/types.js';

export type Db = BetterSqlite3.Database;

export interface EngineSpec {
  /** Row label, e.g. "pageseal aegis256", "SQLite3MC aegis-256". */
  name: string;
  kind: 'plain' | 'pageseal' | 'mc';
  cipher?: CipherName;
  hexkey?: string;
  /** SQLite3MC: the pragmas run right after opening, before any other statement (key last). */
  mcPragmas?: string[];
  /** SQLite3MC: the package folder (node_modules/better-sqlite3-multiple-ciphers). */
  mcDir?: string;
}

/** The pragmas every engine runs after opening (and after its key): as in the measurements. */
export const COMMON_PRAGMAS = ['journal_mode = wal', 'synchronous = normal', 'cache_size = -2000'];

let mcClass: typeof BetterSqlite3 | undefined;
function mc(dir: string): typeof BetterSqlite3 {
  mcClass ??= createRequire(join(dir, 'package.json'))(dir) as typeof BetterSqlite3;
  return mcClass;
}

/** Opens the engine's database at `path` (created when missing) and runs its key pragmas (not COMMON_PRAGMAS). */
export function openEngine(e: EngineSpec, path: string): Db {
  if (e.kind === 'plain') return new BetterSqlite3(path);
  if (e.kind === 'pageseal') return open(path, { encryption: { cipher: e.cipher!, hexkey: e.hexkey! } });
  const db = new (mc(e.mcDir!))(path);
  for (const p of e.mcPragmas!) db.pragma(p);
  return db;
}

/** The SQLite3MC schemes measured, with raw keys (no KDF) so open cost is comparable. */
export function mcEngines(dir: string, hex32: string): EngineSpec[] {
  const raw = (hex: string) => `key = 'raw:${hex}'`;
  const aegis = (alg: string, keyHex: string): EngineSpec => ({
    name: `SQLite3MC ${alg}`,
    kind: 'mc',
    mcDir: dir,
    mcPragmas: ["cipher = 'aegis'", `algorithm = '${alg}'`, raw(keyHex)],
  });
  return [
    aegis('aegis-256', hex32),
    aegis('aegis-256x4', hex32),
    // 128-bit key: 64 hex digits are read as key + salt (32 would be taken as 32 bytes of text: key and salt)
    aegis('aegis-128x4', hex32),
    { name: 'SQLite3MC chacha20', kind: 'mc', mcDir: dir, mcPragmas: ["cipher = 'chacha20'", raw(hex32)] },
    { name: 'SQLite3MC sqlcipher v4', kind: 'mc', mcDir: dir, mcPragmas: ["cipher = 'sqlcipher'", 'legacy = 4', raw(hex32)] },
  ];
}

/** The SQLite3MC package folder: --sqlite3mc DIR, else the benchmark's cache folder .bench-peers/. */
export function findMc(root: string, explicit?: string): string | null {
  const candidates = explicit ? [explicit] : [join(root, '.bench-peers', 'node_modules', 'better-sqlite3-multiple-ciphers')];
  return candidates.find((d) => existsSync(join(d, 'package.json'))) ?? null;
}
