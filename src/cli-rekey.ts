/**
 * `pageseal rekey <file> --cipher C|none --new-cipher C|none [--format F] [--new-format F]`: the
 * command-line face of rekeyFile. The current key comes from PAGESEAL_HEXKEY (or, with --format
 * pageseal, a passphrase from PAGESEAL_PASSPHRASE), the new one from PAGESEAL_NEW_HEXKEY (or, with
 * --new-format pageseal, PAGESEAL_NEW_PASSPHRASE); --hexkey / --new-hexkey / --passphrase /
 * --new-passphrase put them on the command line, visible to other users in `ps`. A progress bar goes to stderr when it is a
 * terminal (pages done / all, rate, time left); nothing otherwise. --json prints a summary.
 */
import { rekeyFile, type RekeyResult } from './rekey/rekey-file.js';
import type { EncryptionOpts } from './options.js';
import { findCipherSpec } from './ciphers/registry.js';
import { info } from './tools/info.js';

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export interface RekeyArgs {
  file: string;
  cipher?: string;
  newCipher?: string;
  hexkey?: string;
  newHexkey?: string;
  /** turso (default) or pageseal: the file's format now. */
  format?: string;
  /** The format after (default: --format). */
  newFormat?: string;
  passphrase?: string;
  newPassphrase?: string;
  /** scrypt's log2(N) for a new passphrase (default: the library's). */
  newKdfLog2N?: string;
  json: boolean;
}

export class RekeyUsageError extends Error {}

interface SideInput {
  cipher: string | undefined;
  format: string | undefined;
  hexkey?: string;
  passphrase?: string;
  /** Environment variable names and flags, for the messages. */
  hexEnv: string;
  passEnv: string;
  cipherFlag: string;
  hexFlag: string;
  formatFlag: string;
  what: string;
  /** The new side only: scrypt's log2(N). */
  kdfLog2N?: string;
}

/**
 * One side of the rekey. A raw key given as a flag wins; otherwise, in pageseal's format, a
 * passphrase (flag, then environment) is used when there is one, as for the other commands; else
 * the hex key from the environment. A passphrase in Turso's format is refused (no place for its salt).
 */
function side(i: SideInput): EncryptionOpts | null {
  if (i.cipher === undefined) throw new RekeyUsageError(`rekey needs ${i.cipherFlag} (a cipher name, or none for ${i.what})`);
  if (i.format !== undefined && i.format !== 'turso' && i.format !== 'pageseal') throw new RekeyUsageError(`${i.formatFlag} is turso or pageseal`);
  if (i.cipher.toLowerCase() === 'none') return null;
  const cipher = findCipherSpec(i.cipher).name; // UnknownCipherError for a bad name
  const format = i.format === 'pageseal' ? 'pageseal' : 'turso';
  if (i.hexkey !== undefined && i.passphrase !== undefined) throw new RekeyUsageError(`give ${i.hexFlag} or a passphrase for the ${i.what === 'a plain database' ? 'current' : 'new'} key, not both`);
  if (i.passphrase) {
    if (format !== 'pageseal') throw new RekeyUsageError(`a passphrase (${i.passEnv}) needs ${i.formatFlag} pageseal`);
    if (i.kdfLog2N === undefined) return { cipher, passphrase: i.passphrase, format };
    if (!/^\d{1,2}$/.test(i.kdfLog2N)) throw new RekeyUsageError('--new-kdf-log2n takes a whole number (e.g. 18)');
    return { cipher, passphrase: i.passphrase, format, kdf: { log2N: Number(i.kdfLog2N) } }; // range checked by the library
  }
  if (i.kdfLog2N !== undefined) throw new RekeyUsageError('--new-kdf-log2n goes with a new passphrase (PAGESEAL_NEW_PASSPHRASE)');
  if (!i.hexkey) {
    const alt = format === 'pageseal' ? ` (or ${i.passEnv})` : '';
    throw new RekeyUsageError(`rekey needs the ${i.what === 'a plain database' ? 'current' : 'new'} key: ${i.hexFlag} K or the ${i.hexEnv} environment variable${alt}`);
  }
  return { cipher, hexkey: i.hexkey, format };
}

/** The key sources of one side: flags first, then the environment (a passphrase only in pageseal's format). */
function sources(flagHex: string | undefined, flagPass: string | undefined, envHex: string | undefined, envPass: string | undefined, format: string | undefined): { hexkey?: string; passphrase?: string } {
  if (flagHex !== undefined || flagPass !== undefined) return { hexkey: flagHex, passphrase: flagPass };
  if (format === 'pageseal' && envPass) return { passphrase: envPass };
  return { hexkey: envHex || undefined };
}

function formatLabel(format: string, passphrase: boolean): string {
  if (format === 'plain') return '';
  return ` (${format}${passphrase ? ', passphrase' : ''})`;
}

/** A one-line bar redrawn in place: `[#####.....]  42%  1234/2930 pages  35.2 MB/s  0:07 left`. */
export function progressBar(sink: ProgressSink, pageSize: () => number): { update(done: number, total: number): void; end(): void } {
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (!sink.isTTY || (now - last < 100 && done < total)) return;
      last = now;
      const width = 24;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const secs = Math.max((now - started) / 1000, 0.001);
      const rate = (done * pageSize()) / secs / 1e6;
      const left = frac > 0 ? Math.round((secs / frac) * (1 - frac)) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const eta = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`;
      sink.write(`\r[${bar}] ${String(Math.round(frac * 100)).padStart(3)}%  ${done}/${total} pages  ${rate.toFixed(1)} MB/s  ${eta}   `);
      drawn = true;
    },
    end() {
      if (drawn) sink.write('\n');
    },
  };
}

export function runRekey(a: RekeyArgs, env: NodeJS.ProcessEnv, out: (line: string) => void, progress: ProgressSink): RekeyResult {
  const newFormat = a.newFormat ?? a.format;
  const from = side({
    cipher: a.cipher,
    format: a.format,
    ...sources(a.hexkey, a.passphrase, env.PAGESEAL_HEXKEY, env.PAGESEAL_PASSPHRASE, a.format),
    hexEnv: 'PAGESEAL_HEXKEY',
    passEnv: 'PAGESEAL_PASSPHRASE',
    cipherFlag: '--cipher',
    hexFlag: '--hexkey',
    formatFlag: '--format',
    what: 'a plain database',
  });
  const to = side({
    cipher: a.newCipher ?? a.cipher,
    format: newFormat,
    ...sources(a.newHexkey, a.newPassphrase, env.PAGESEAL_NEW_HEXKEY, env.PAGESEAL_NEW_PASSPHRASE, newFormat),
    hexEnv: 'PAGESEAL_NEW_HEXKEY',
    passEnv: 'PAGESEAL_NEW_PASSPHRASE',
    cipherFlag: '--new-cipher',
    hexFlag: '--new-hexkey',
    formatFlag: '--new-format',
    what: 'decrypting',
    kdfLog2N: a.newKdfLog2N,
  });
  let pageSize = 4096;
  try {
    pageSize = info(a.file).pageSize || 4096; // for the rate shown by the bar
  } catch {
    // rekeyFile reports what is wrong with the file
  }
  const bar = progressBar(progress, () => pageSize);
  let r: RekeyResult;
  try {
    r = rekeyFile(a.file, { from, to, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.end();
  }
  if (a.json) out(JSON.stringify({ file: a.file, ...r }));
  else out(`rekeyed ${a.file}: ${r.from}${formatLabel(r.fromFormat, false)} -> ${r.to}${formatLabel(r.toFormat, r.toPassphrase)} (${r.pagesAfter} pages of ${r.pageSize} bytes, ${r.journalMode} mode, ${(r.milliseconds / 1000).toFixed(2)} s)`);
  return r;
}
