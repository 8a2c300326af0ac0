/**
 * The recommendation at the end of `pageseal bench`: which cipher, and why, from this machine's figures.
 *  - the fastest 256-bit-key cipher (encrypt + decrypt on the path the VFS uses): the default choice;
 *  - the fastest cipher overall, when it is another one (a 128-bit key);
 *  - AES-GCM's nonce limit: 96-bit random nonces, so a key should be rotated well before 2^32 page
 *    writes (SECURITY.md); AEGIS's 128/256-bit nonces have no practical limit;
 *  - a warning when the CPU lacks AES instructions and everything runs on the portable path.
 */
import { CIPHER_SPECS } from '../ciphers/registry.js';
import type { CipherName } from '../ciphers/types.js';
import type { PathFigure } from './cipher-speed.js';
import type { DbResult } from './db-workload.js';

export interface Recommendation {
  cipher: CipherName;
  fastest256: CipherName;
  fastestOverall: CipherName;
  /** One sentence per reason, in order; the text output prints them as they are. */
  reasons: string[];
  warnings: string[];
}

const bits = (name: CipherName) => CIPHER_SPECS.find((s) => s.name === name)!.keySize * 8;
const isGcm = (name: CipherName) => name === 'aes128gcm' || name === 'aes256gcm';
const fmt = (x: number) => x.toFixed(2);

export function recommend(figures: PathFigure[], pageSize: number, db?: DbResult[], plainReadUs?: number): Recommendation {
  const used = figures.filter((f) => f.used && f.pageSize === pageSize);
  const cost = (f: PathFigure) => f.encryptUs + f.decryptUs;
  const byCost = [...used].sort((a, b) => cost(a) - cost(b));
  const best256 = byCost.find((f) => bits(f.cipher) === 256)!;
  const best = byCost[0]!;
  const describe = (f: PathFigure) => `${fmt(f.encryptUs)} µs to encrypt and ${fmt(f.decryptUs)} µs to decrypt a ${pageSize}-byte page on the ${f.path} path`;
  const reasons: string[] = [];
  const warnings: string[] = [];
  reasons.push(`${best256.cipher} is the fastest cipher with a 256-bit key here: ${describe(best256)}.`);
  if (plainReadUs) {
    reasons.push(`That is ${Math.round((best256.decryptUs / plainReadUs) * 100)}% of what plain SQLite spends reading a page from the OS cache (${fmt(plainReadUs)} µs).`);
  }
  const dbRow = db?.find((r) => r.engine === best256.cipher);
  if (dbRow) {
    const r = dbRow.ratios;
    reasons.push(`On the database workload it costs ${fmt(r.insertUsPerRow)}x plain better-sqlite3 on inserts, ${fmt(r.pointReadUs)}x on point reads, ${fmt(r.scanUsPerPage)}x on a full scan and ${fmt(r.updateUsPerRow)}x on updates.`);
  }
  if (best.cipher !== best256.cipher) {
    reasons.push(`${best.cipher} is the fastest overall (${describe(best)}), with a ${bits(best.cipher)}-bit key: choose it when a ${bits(best.cipher)}-bit key meets your requirements.`);
  }
  if (isGcm(best256.cipher) || isGcm(best.cipher)) {
    warnings.push('AES-GCM uses 96-bit random nonces: under heavy writes rotate the key well before 2^32 page writes (SECURITY.md); AEGIS has no practical limit and is the better choice for write-heavy databases.');
  } else {
    reasons.push('AEGIS takes random 128/256-bit nonces, so heavy writes need no key rotation; aes128gcm/aes256gcm (96-bit nonces) need one well before 2^32 page writes.');
  }
  if (best256.cipher === 'aegis256x4' || best256.cipher === 'aegis256x2') {
    reasons.push(`Turso's 0.7.2 JavaScript binding cannot open ${best256.cipher} files: use aegis256 if Turso's JavaScript API must read them.`);
  }
  if (used.every((f) => f.path === 'portable')) {
    const fast = figures.find((f) => f.cipher === best256.cipher && f.pageSize === pageSize && f.path !== 'portable');
    warnings.push(
      'This CPU (or PAGESEAL_FORCE_PORTABLE=1) gives no AES instructions: every cipher runs on the constant-time portable C path' +
        (fast ? `, ${fmt(best256.decryptUs / fast.decryptUs)}x slower than with them` : ', several times slower than with AES instructions') +
        '. Expect a larger cost on reads and writes than the figures published for CPUs with AES-NI or ARMv8 AES.',
    );
  }
  return { cipher: best256.cipher, fastest256: best256.cipher, fastestOverall: best.cipher, reasons, warnings };
}
