/**
 * Passphrase to key, for pageseal's format only (docs/format.md, SECURITY.md "Passphrases"):
 *
 *   key = scrypt(passphrase (UTF-8), salt, N = 2^log2N, r, p, dkLen = the cipher's key size)
 *   salt = "pageseal scrypt v1" (18 bytes, ASCII) | cipher id (1 byte) | database id (16 bytes)
 *
 * Node's own `crypto.scrypt` (OpenSSL's), so no new dependency. The database id is random per database
 * and stored in page 1's header with the parameters; all of them are associated data of page 1, so
 * they cannot be changed without the key. Parameters can rise later: a rekey writes new ones.
 */
import { scryptSync } from 'node:crypto';
import { FormatError, InvalidOptionsError } from './errors.js';
import type { CipherSpec } from './ciphers/types.js';
import type { ScryptParams } from './format/pageseal-header.js';

const LABEL = Buffer.from('pageseal scrypt v1', 'ascii');

/**
 * Defaults: N = 2^17, r = 8, p = 1 (128 MiB, about 0.28 s of CPU on the machine pageseal was
 * developed on; OWASP's minimum for scrypt is N = 2^17, r = 8, p = 1).
 */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ name: 'scrypt', log2N: 17, r: 8, p: 1 });

/** Bounds a header may ask for: refuses parameters that would take minutes or gigabytes (a damaged or hostile header). */
const MAX_LOG2N = 22;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 1024 * 1024 * 1024;

export function checkScryptParams(p: ScryptParams, where: string): void {
  const ok =
    Number.isInteger(p.log2N) && p.log2N >= 10 && p.log2N <= MAX_LOG2N && Number.isInteger(p.r) && p.r >= 1 && p.r <= MAX_R && Number.isInteger(p.p) && p.p >= 1 && p.p <= MAX_P;
  if (!ok || 128 * p.r * 2 ** p.log2N > MAX_MEMORY) {
    throw new InvalidOptionsError(`${where}: scrypt parameters out of range (log2N 10..${MAX_LOG2N}, r 1..${MAX_R}, p 1..${MAX_P}, at most 1 GiB)`);
  }
}

/** Derives the key. The result is the caller's to wipe. */
export function deriveKey(passphrase: string, cipher: CipherSpec, databaseId: Uint8Array, params: ScryptParams): Uint8Array {
  try {
    checkScryptParams(params, 'the database header');
  } catch (e) {
    throw new FormatError('CORRUPT', (e as Error).message);
  }
  const salt = Buffer.concat([LABEL, Buffer.of(cipher.id), Buffer.from(databaseId)]);
  const mem = 128 * params.r * 2 ** params.log2N;
  const secret = Buffer.from(passphrase, 'utf8');
  try {
    const out = scryptSync(secret, salt, cipher.keySize, { N: 2 ** params.log2N, r: params.r, p: params.p, maxmem: 2 * mem + 1024 * 1024 });
    const key = new Uint8Array(out.length);
    key.set(out);
    out.fill(0);
    return key;
  } finally {
    secret.fill(0);
  }
}
