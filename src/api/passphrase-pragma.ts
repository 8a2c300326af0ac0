/**
 * `PRAGMA passphrase = '...'` on pageseal's Database opened without the encryption option. The key
 * derivation (scrypt) runs in JavaScript, so the Database wrapper intercepts the pragma; a raw
 * better-sqlite3 connection reaches the VFS, which refuses it (pragma.c).
 *
 * Order, as with the key pragmas: `PRAGMA cipher` first, then `PRAGMA passphrase`, before the file is
 * read. For an existing pageseal-format file the salt and scrypt parameters come from page 1; for a
 * new file a database id is drawn here (default parameters) and handed to the VFS with
 * `PRAGMA page_format='pageseal:<header>'`. The derived key reaches the VFS through `PRAGMA hexkey`
 * (so it passes through SQLite's statement text, as any PRAGMA hexkey does; the option is better).
 */
import { FormatError, InvalidOptionsError } from '../errors.js';
import { findCipherSpec } from '../ciphers/registry.js';
import { DEFAULT_SCRYPT, deriveKey } from '../kdf.js';
import { encodeSeal, hasPagesealMagic, newPagesealHeader, parsePagesealHeader } from '../format/pageseal-header.js';
import { readStoredHeader } from './sniff.js';

const PASSPHRASE_PRAGMA = /^\s*passphrase\s*=\s*(['"])([\s\S]*)\1\s*;?\s*$/i;

/** The passphrase of a `passphrase = '...'` pragma source ('' quoting as in SQL), or undefined for other pragmas. */
export function passphraseOf(source: string): string | undefined {
  const m = PASSPHRASE_PRAGMA.exec(source);
  if (!m) return undefined;
  return m[2]!.split(m[1]! + m[1]!).join(m[1]!);
}

type RunPragma = (source: string) => unknown;

/** Keys the connection from `passphrase`; `run` executes a pragma on it (unwrapped). */
export function applyPassphrasePragma(path: string, passphrase: string, run: RunPragma): void {
  if (passphrase.length === 0) throw new InvalidOptionsError('PRAGMA passphrase needs a non-empty passphrase');
  const cipherName = run('cipher');
  if (typeof cipherName !== 'string' || cipherName === '') throw new InvalidOptionsError('PRAGMA passphrase: set PRAGMA cipher first');
  const cipher = findCipherSpec(cipherName);
  const stored = readStoredHeader(path);
  let header;
  if (stored && hasPagesealMagic(stored)) {
    header = parsePagesealHeader(stored);
    if (!header.kdf) throw new InvalidOptionsError(`${path} was created with a raw key (hexkey), not a passphrase`);
  } else if (stored) {
    throw new FormatError('FORMAT_MISMATCH', `${path} is not in pageseal's format: a passphrase needs it`);
  } else {
    header = newPagesealHeader(cipher, DEFAULT_SCRYPT);
    run(`page_format = 'pageseal:${Buffer.from(encodeSeal(header)).toString('hex')}'`);
  }
  const key = deriveKey(passphrase, cipher, header.databaseId, header.kdf!);
  const hex = Buffer.from(key);
  try {
    run(`hexkey = '${hex.toString('hex')}'`);
  } finally {
    hex.fill(0);
    key.fill(0);
  }
}
