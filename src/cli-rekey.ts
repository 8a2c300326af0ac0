/**
 * `pageseal rekey <file> --cipher C|none --new-cipher C|none`: the command-line face of rekeyFile.
 * The current key comes from PAGESEAL_HEXKEY, the new one from PAGESEAL_NEW_HEXKEY (or --hexkey /
 * --new-hexkey, visible to other users in `ps`). A progress bar goes to stderr when it is a
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
  json: boolean;
}

export class RekeyUsageError extends Error {}

function side(cipher: string | undefined, hexkey: string | undefined, envName: string, flag: string, what: string): EncryptionOpts | null {
  if (cipher === undefined) throw new RekeyUsageError(`rekey needs ${flag === '--hexkey' ? '--cipher' : '--new-cipher'} (a cipher name, or none for ${what})`);
  if (cipher.toLowerCase() === 'none') return null;
  if (!hexkey) throw new RekeyUsageError(`rekey needs the ${what === 'a plain database' ? 'current' : 'new'} key: ${flag} K or the ${envName} environment variable`);
  return { cipher: findCipherSpec(cipher).name, hexkey }; // UnknownCipherError for a bad name
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
  const from = side(a.cipher, a.hexkey ?? env.PAGESEAL_HEXKEY, 'PAGESEAL_HEXKEY', '--hexkey', 'a plain database');
  const to = side(a.newCipher ?? a.cipher, a.newHexkey ?? env.PAGESEAL_NEW_HEXKEY, 'PAGESEAL_NEW_HEXKEY', '--new-hexkey', 'decrypting');
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
  else out(`rekeyed ${a.file}: ${r.from} -> ${r.to} (${r.pagesAfter} pages of ${r.pageSize} bytes, ${r.journalMode} mode, ${(r.milliseconds / 1000).toFixed(2)} s)`);
  return r;
}
