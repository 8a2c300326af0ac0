/**
 * `rekeyFile(path, { from, to, onProgress })`: changes the key, the cipher, the page format, or all
 * of them, of a closed database; encrypts a plain one (`from: null`) or decrypts one (`to: null`).
 * In place as the user sees it: the same path holds the database after, under the new key. A
 * pageseal-format result is a new database (new database id; a passphrase gets a new salt).
 *
 * How (docs/rekey.md has the why and what is on disk at each step):
 *   1. lock the old file exclusively (refused at once when anyone else has it open);
 *   2. checkpoint its WAL into it (TRUNCATE), so the file alone holds every committed row;
 *   3. build the new database beside it under the new key (rebuild.ts), fsync it;
 *   4. rename it over the old one (atomic), fsync the directory, then let go of the locks.
 * A crash before 4 leaves the old database as it was (the half-built copy is never opened and is
 * removed by the next rekey); after 4 the new one, complete. The old -wal is empty at the rename
 * and no one can write to it: the lock is held until the rename is done.
 */
import { chmodSync, chownSync, closeSync, fsyncSync, openSync, readdirSync, readSync, realpathSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { FormatError, InvalidOptionsError, PagesealError } from '../errors.js';
import { cipherSpecById, findCipherSpec } from '../ciphers/registry.js';
import { formatOf, resolveEncryptionFor, usesPassphrase, type EncryptionOpts, type ResolvedEncryption } from '../options.js';
import { install, type VfsBinding } from '../api/install.js';
import { acquireKey, isRegistered, releaseKey } from '../api/keys.js';
import { readStoredHeader, sniffDatabase } from '../api/sniff.js';
import { loadAddon } from '../addon.js';
import { fsyncDir } from '../tools/files.js';
import { checkPageGeometry } from '../format/sqlite-header.js';
import { Rebuild, type Progress } from './rebuild.js';
import { bytesNeeded, checkFreeSpace } from './space.js';

export interface RekeyFileOptions {
  /** The current cipher and key (or passphrase) and format, or null for a plain database. */
  from: EncryptionOpts | null;
  /** The new cipher and key (or passphrase, with `kdf` for its scrypt parameters) and format, or null to decrypt. */
  to: EncryptionOpts | null;
  /** Called with (pages done, pages in all) as the copy advances (at least at the start and the end). */
  onProgress?: Progress;
}

export interface RekeyResult {
  /** Pages of the old database. */
  pagesBefore: number;
  /** Pages of the new database. */
  pagesAfter: number;
  pageSize: number;
  journalMode: string;
  from: string;
  to: string;
  /** The page format before and after: 'plain', 'turso' or 'pageseal'. */
  fromFormat: FormatName;
  toFormat: FormatName;
  /** Whether the new file's key is derived from a passphrase (pageseal's format). */
  toPassphrase: boolean;
  milliseconds: number;
}

export type FormatName = 'plain' | 'turso' | 'pageseal';

/** The sibling name prefix of the copies: `<name>.pageseal-rekey-`. */
export function copyPrefix(path: string): string {
  return `${basename(path)}.pageseal-rekey-`;
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // not there
  }
}

/** Removes a copy and the journal, WAL and shm SQLite may have left beside it. */
function removeCopy(p: string): void {
  for (const s of ['', '-journal', '-wal', '-shm']) unlinkQuiet(p + s);
}

/** Copies left by a rekey that was killed before its rename: removed while the database is locked. */
function removeStaleCopies(path: string, keep: string): void {
  const dir = dirname(path);
  const prefix = copyPrefix(path);
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const full = join(dir, f);
    if (full === keep || full.startsWith(keep + '-')) continue;
    unlinkQuiet(full);
  }
}

/** The file itself (a symlink is followed: the copy must be renamed over the file, not over the link). */
function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p); // missing: reported by checkSource
  }
}

/**
 * Checks the shape of one side's options (no key derived yet: a passphrase's key needs the file's
 * header). A bad hexkey is reported here, before the file is looked at.
 */
function checkSide(v: unknown, name: string): void {
  if (v === null) return;
  if (v === undefined) throw new InvalidOptionsError(`rekeyFile needs ${name}: { cipher, hexkey } or { cipher, passphrase, format: 'pageseal' }, or null for a plain database`);
  formatOf(v);
  if (!usesPassphrase(v)) resolveEncryptionFor(v, null).wipe();
}

function describe(e: ResolvedEncryption | null): string {
  return e ? e.cipher.name : 'none (plain)';
}

function formatName(e: ResolvedEncryption | null): FormatName {
  return e ? e.format : 'plain';
}

function cipherName(id: number): string {
  return cipherSpecById(id)?.name ?? `cipher id ${id}`;
}

/** Refuses a file whose format or cipher does not fit `from`, before anything is opened or any key derived. */
function checkSource(path: string, from: EncryptionOpts | null): void {
  const kind = sniffDatabase(path);
  if (kind.kind === 'missing' || kind.kind === 'empty') throw new PagesealError('IO', `${path}: no database there (missing or empty file)`);
  if (kind.kind === 'unknown') throw new FormatError('NOT_A_DATABASE', `${path} is neither a SQLite database nor an encrypted one`);
  if (kind.kind === 'plain') {
    if (from) throw new FormatError('NOT_ENCRYPTED', `${path} is a plain (not encrypted) SQLite database: give from: null (pageseal rekey --cipher none) to encrypt it`);
    return;
  }
  const format: FormatName = kind.kind === 'pageseal' ? 'pageseal' : 'turso';
  if (!from) {
    throw new FormatError('NOT_A_DATABASE', `${path} is encrypted (${cipherName(kind.cipherId)}, ${format}'s format): give its current key as from`);
  }
  const want = formatOf(from);
  if (want !== format) {
    throw new FormatError('FORMAT_MISMATCH', `${path} is in ${format}'s format, not ${want}'s: give from.format = '${format}'`);
  }
  const cipher = findCipherSpec(from.cipher);
  if (kind.cipherId !== cipher.id) throw new FormatError('CIPHER_MISMATCH', `${path} is encrypted with ${cipherName(kind.cipherId)}, not ${cipher.name}`);
}

/** Connections of this process on `path`, through the VFS (any key source) and the key registry. */
function openHere(vfs: VfsBinding, path: string): boolean {
  const addon = loadAddon() as unknown as { openMainFiles?: (p: string) => number } | null;
  const n = addon?.openMainFiles ? addon.openMainFiles(path) : 0;
  return n > 0 || isRegistered(vfs, path);
}

/**
 * Another connection of this process (another thread) that opened the file during the copy waits for the
 * copy's lock, holding the old file and, with a key, a registration of the old key for the path: after the
 * rename it would read the replaced file, and the new key could not be registered for the path (db.rekey's
 * connection could then not follow its file). Refused before the rename instead, nothing changed.
 */
function refuseLateOpens(path: string, expected: number): void {
  const addon = loadAddon() as unknown as { openMainFiles?: (p: string) => number } | null;
  if (addon?.openMainFiles && addon.openMainFiles(path) > expected) {
    throw new PagesealError('BUSY', `${path} was opened by another connection of this process during the rekey: close it and retry; nothing was changed`);
  }
}

function fsyncFile(p: string): void {
  const fd = openSync(p, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function nonEmpty(p: string): boolean {
  try {
    return statSync(p).size > 0;
  } catch {
    return false;
  }
}

/** What copyAndSwap needs to know. */
export interface Swap {
  path: string;
  from: ResolvedEncryption | null | { reserve: number; name: string; format: FormatName };
  /** The new key, resolved once (in pageseal's format it holds the new file's database id). */
  to: ResolvedEncryption | null;
  onProgress?: Progress;
  /** The database was in WAL mode (default: what the old file says now). */
  wal?: boolean;
  /**
   * Main files of `path` this process may have open at the rename: the copy connection's (the old file
   * attached), plus the rekeyed connection's for db.rekey. Default 1.
   */
  openAtRename?: number;
  /** Runs right after the rename, while the copy connection still holds the old and the new file locked. */
  afterRename?: () => void;
}

/** The text encoding in page 1's header (bytes 56..59, plaintext in every format), or undefined. */
function storedEncoding(path: string): string | undefined {
  const head = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, head, 0, 100, 0) < 100) return undefined;
  } finally {
    closeSync(fd);
  }
  return ({ 1: 'UTF-8', 2: 'UTF-16le', 3: 'UTF-16be' } as Record<number, string>)[head.readUInt32BE(56)];
}

/** Gives `copy` the mode, owner and group of `path`; refuses (nothing changed) when the owner cannot be kept. */
function keepOwnership(path: string, copy: string): void {
  const want = statSync(path);
  chmodSync(copy, want.mode & 0o7777);
  const have = statSync(copy);
  if (have.uid === want.uid && have.gid === want.gid) return;
  try {
    chownSync(copy, want.uid, want.gid);
  } catch (e) {
    throw new PagesealError('IO', `${path}: the re-keyed file could not keep the database's owner and group (${(e as NodeJS.ErrnoException).code ?? 'error'}): run the rekey as the database's owner; nothing was changed`, { cause: e });
  }
}

function reserveOf(e: Swap['from']): number {
  if (!e) return 0;
  return 'reserve' in e ? e.reserve : e.cipher.reservedBytes;
}

function nameOf(e: Swap['from']): string {
  if (!e) return 'none (plain)';
  return 'name' in e ? e.name : e.cipher.name;
}

function fromFormatOf(e: Swap['from']): FormatName {
  if (!e) return 'plain';
  return e.format;
}

/**
 * Steps 1-4 (see the top of this file). The old file's key, if any, must be registered for its path
 * (the copy connection reads it through the VFS).
 */
/** A write that failed for want of space (SQLite's or Node's error), as on a full disk. */
function isWriteFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(SQLITE_FULL|SQLITE_IOERR_WRITE|SQLITE_IOERR_SHORT_WRITE|SQLITE_IOERR_FSYNC|ENOSPC|EFBIG|EDQUOT)$/.test(code);
}

export function copyAndSwap(s: Swap): RekeyResult {
  const started = Date.now();
  const path = s.path;
  const copy = join(dirname(path), copyPrefix(path) + randomBytes(6).toString('hex'));
  let rebuild: Rebuild | undefined;
  let renamed = false;
  try {
    rebuild = new Rebuild(copy, s.to);
    // The copy takes the old file's mode and owner before it holds a byte (a decrypt in place must not
    // leave a private database world-readable, nor a service's database owned by whoever rekeyed it).
    keepOwnership(path, copy);
    rebuild.shapeLike(storedEncoding(path)); // text encoding: before ATTACH, which needs it equal
    rebuild.attach(path, true);
    // Page size and auto-vacuum are fixed by the copy's first transaction, even the empty one lock()
    // commits: set them from the old file first, and check after the lock that they did not change.
    const early = rebuild.source();
    rebuild.shapeLike(undefined, early);
    rebuild.lock();
    removeStaleCopies(path, copy);
    const facts = rebuild.source();
    if (facts.pageSize !== early.pageSize || facts.autoVacuum !== early.autoVacuum) {
      throw new PagesealError('BUSY', `${path} was changed (page size or auto-vacuum) while the rekey started: retry; nothing was changed`);
    }
    const newReserve = s.to ? s.to.cipher.reservedBytes : 0;
    checkPageGeometry(facts.pageSize, newReserve);
    if (facts.journalMode === 'wal') rebuild.db.pragma('src.wal_checkpoint(TRUNCATE)');
    checkFreeSpace(dirname(path), bytesNeeded(facts.pageSize, facts.pageCount, reserveOf(s.from), newReserve));
    rebuild.copy(facts, s.onProgress);
    const wal = s.wal ?? facts.journalMode === 'wal';
    rebuild.finish(wal);
    const pagesAfter = Number(rebuild.db.pragma('main.page_count', { simple: true }));
    fsyncFile(copy);
    // Nothing but the main file may hold committed data at the rename: the WAL was checkpointed
    // under the lock; a -journal left now is not hot (the copy connection rolled any hot one back
    // when it first read the file, and no transaction of the old file is open).
    if (nonEmpty(path + '-wal')) {
      throw new PagesealError('IO', `${path}: its -wal could not be emptied before the rename; nothing was changed`);
    }
    refuseLateOpens(path, s.openAtRename ?? 1);
    unlinkQuiet(path + '-journal');
    renameSync(copy, path);
    renamed = true;
    fsyncDir(dirname(path));
    s.afterRename?.();
    return {
      pagesBefore: facts.pageCount,
      pagesAfter,
      pageSize: facts.pageSize,
      journalMode: wal ? 'wal' : facts.journalMode,
      from: nameOf(s.from),
      to: describe(s.to),
      fromFormat: fromFormatOf(s.from),
      toFormat: formatName(s.to),
      toPassphrase: s.to?.header?.kdf != null,
      milliseconds: Date.now() - started,
    };
  } catch (e) {
    if (!renamed && isWriteFailure(e)) {
      throw new PagesealError('IO', `${path}: the re-keyed copy could not be written (disk full, a file-size limit or another write error): nothing was changed, the database keeps its old key`, { cause: e });
    }
    throw e;
  } finally {
    try {
      rebuild?.close();
    } finally {
      if (!renamed) removeCopy(copy);
      else for (const x of ['-journal', '-wal', '-shm']) unlinkQuiet(copy + x);
    }
  }
}

/** A database no connection of this process has open. */
function rekeyClosed(path: string, from: ResolvedEncryption | null, to: ResolvedEncryption | null, onProgress?: Progress): RekeyResult {
  const vfs = install();
  if (openHere(vfs, path)) {
    throw new PagesealError('BUSY', `${path} is open in this process: close its connections first, or use db.rekey() on the only one; nothing was changed`);
  }
  const keyId = from ? acquireKey(vfs, path, from) : undefined;
  try {
    return copyAndSwap({ path, from, to, onProgress });
  } finally {
    if (keyId !== undefined) releaseKey(vfs, keyId);
  }
}

/**
 * Re-encrypts the closed database at `path` from `from` to `to` (either may be null: plain), in
 * either page format, with a raw key or (pageseal's format) a passphrase on either side. `from` is
 * resolved against the file's stored header (its database id, KDF salt and parameters); a `to` in
 * pageseal's format makes a new database: a fresh database id, and for a passphrase a key derived
 * with it and `to.kdf` (default parameters when absent). Throws, having changed nothing, when the
 * file does not match `from`, when any connection (this process or another) has it open, or when
 * the disk lacks the space for the copy.
 */
export function rekeyFile(path: string, options: RekeyFileOptions): RekeyResult {
  if (typeof path !== 'string' || path.trim() === '') throw new InvalidOptionsError('rekeyFile needs a database path');
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('rekeyFile needs options { from, to }');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new InvalidOptionsError('onProgress must be a function');
  checkSide(options.from, 'from');
  checkSide(options.to, 'to');
  const file = realPath(path.trim());
  checkSource(file, options.from);
  let from: ResolvedEncryption | null = null;
  let to: ResolvedEncryption | null = null;
  try {
    // The stored header gives the database id (and a passphrase's salt and parameters); if the file
    // changes before it is locked, the key simply fails to authenticate page 1 and nothing is written.
    if (options.from) from = resolveEncryptionFor(options.from, readStoredHeader(file));
    if (options.to) to = resolveEncryptionFor(options.to, null);
    return rekeyClosed(file, from, to, options.onProgress);
  } finally {
    from?.wipe();
    to?.wipe();
  }
}
