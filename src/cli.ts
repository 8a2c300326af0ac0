#!/usr/bin/env node
/**
 * The `pageseal` command: info / decrypt / encrypt / verify on encrypted SQLite files (Turso's or pageseal's format).
 * Exit codes: 0 success, 1 authentication/verification failure, 2 usage or input error.
 * Errors are one line on stderr, never a stack trace, and never contain the key.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AuthenticationError, PagesealError } from './errors.js';
import { decryptFile, encryptFile, info, verifyFile, type FileInfo, type VerifyResult } from './tools/index.js';
import type { ToolOptions } from './tools/codec.js';
import { findCipherSpec } from './ciphers/registry.js';
import { resolveEncryption } from './options.js';
import { RekeyUsageError, runRekey, type ProgressSink, type RekeyArgs } from './cli-rekey.js';
import { BenchUsageError, benchMain } from './bench/index.js';

export const HELP = `pageseal: Turso-compatible encrypted SQLite files, offline

Usage:
  pageseal info <file> [--json]
  pageseal verify <file> --cipher C [--hexkey K] [--format F] [--json]
  pageseal decrypt <in> <out> --cipher C [--hexkey K] [--format F]
  pageseal encrypt <in> <out> --cipher C [--hexkey K] [--format F]
  pageseal rekey <file> --cipher C|none [--new-cipher C|none] [--format F]
                 [--new-format F] [--new-kdf-log2n N] [--json]
  pageseal bench [--quick] [--db] [--page-size N] [--json] [--svg FILE]
  pageseal --help

Commands:
  info      format, cipher, page size, page count and WAL state; for pageseal's
            format also the database id and KDF parameters (no key needed)
  verify    authenticate every page and every committed WAL frame
  decrypt   write a plain SQLite copy (committed WAL frames folded in)
  encrypt   write an encrypted copy (either format) of any plain SQLite file
  rekey     re-encrypt a database in place: new key, new cipher, or both;
            --cipher none encrypts a plain database, --new-cipher none decrypts one.
            Current key from PAGESEAL_HEXKEY, new key from PAGESEAL_NEW_HEXKEY;
            with --format / --new-format pageseal, a passphrase instead from
            PAGESEAL_PASSPHRASE / PAGESEAL_NEW_PASSPHRASE. --new-format (default:
            --format) converts between formats; a pageseal-format result gets a
            new database id (and, for a passphrase, a new salt).
            Crash-safe: after a kill the file opens with the old or the new key.
            Refused while any other connection has the database open.
  bench     time every cipher on every CPU path here (and a database workload with
            --db) and recommend one for this machine (pageseal bench --help)

Options:
  --cipher C    aes128gcm, aes256gcm, aegis256, aegis256x2, aegis256x4,
                aegis128l, aegis128x2, aegis128x4
  --hexkey K    the key in hex (32 or 64 digits, by cipher). A key on the command line
                is visible to other users in 'ps' and lands in shell history: prefer
                the environment variable PAGESEAL_HEXKEY.
  --new-cipher C the cipher after rekey (default: --cipher), or none
  --new-hexkey K the new key in hex (prefer PAGESEAL_NEW_HEXKEY, as for --hexkey)
  --format F    turso (default: Turso's format) or pageseal (page numbers and the
                database bound into every page; not readable by Turso)
  --new-format F rekey: the format after (default: --format)
  PAGESEAL_PASSPHRASE   with --format pageseal, a passphrase instead of a key
                (scrypt; the salt and parameters are in the file)
  PAGESEAL_NEW_PASSPHRASE  rekey: the new passphrase (with --new-format pageseal)
  --new-kdf-log2n N  rekey to a passphrase: scrypt cost N = 2^N (default 17,
                r = 8, p = 1); a rekey is how a database's parameters rise
  --passphrase P, --new-passphrase P  the same on the command line: visible to
                other users in 'ps' and kept in shell history, as for --hexkey;
                prefer the environment variables
  --json        machine-readable output (info, verify, rekey)

Outputs are written to a temporary file and renamed when complete; an existing
output is never overwritten.
Exit codes: 0 ok, 1 authentication or verification failed, 2 usage or input error.
`;

class UsageError extends Error {}

/** The command line: the command, its files, and the flags (the same ones `pageseal rekey` takes). */
interface Parsed extends Omit<RekeyArgs, 'file'> {
  command: string | undefined;
  files: string[];
  help: boolean;
}

const VALUE_FLAGS = new Set(['--cipher', '--hexkey', '--new-cipher', '--new-hexkey', '--format', '--new-format', '--passphrase', '--new-passphrase', '--new-kdf-log2n']);

function parseArgs(argv: string[]): Parsed {
  const p: Parsed = { command: undefined, files: [], json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(flag)) {
      const value = eq > 0 && flag !== a ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      if (flag === '--cipher') p.cipher = value;
      else if (flag === '--new-cipher') p.newCipher = value;
      else if (flag === '--new-hexkey') p.newHexkey = value;
      else if (flag === '--format') p.format = value;
      else if (flag === '--new-format') p.newFormat = value;
      else if (flag === '--passphrase') p.passphrase = value;
      else if (flag === '--new-passphrase') p.newPassphrase = value;
      else if (flag === '--new-kdf-log2n') p.newKdfLog2N = value;
      else p.hexkey = value;
    } else if (a === '--json') p.json = true;
    else if (a === '--help' || a === '-h') p.help = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a.split('=')[0]}`);
    else if (p.command === undefined) p.command = a;
    else p.files.push(a);
  }
  return p;
}

function files(p: Parsed, n: number, names: string): string[] {
  if (p.files.length !== n) throw new UsageError(`${p.command} takes ${names}`);
  return p.files;
}

function keyOptions(p: Parsed, env: NodeJS.ProcessEnv): ToolOptions {
  if (!p.cipher) throw new UsageError(`${p.command} needs --cipher`);
  if (p.format !== undefined && p.format !== 'turso' && p.format !== 'pageseal') throw new UsageError('--format is turso or pageseal');
  const cipher = findCipherSpec(p.cipher).name;
  const passphrase = p.hexkey === undefined ? (p.passphrase ?? env.PAGESEAL_PASSPHRASE) : undefined;
  if (passphrase) {
    if (p.format !== 'pageseal') throw new UsageError('a passphrase (PAGESEAL_PASSPHRASE) needs --format pageseal');
    return { cipher, passphrase, format: 'pageseal' };
  }
  const hexkey = p.hexkey ?? env.PAGESEAL_HEXKEY;
  if (!hexkey) throw new UsageError(`${p.command} needs a key: --hexkey K or the PAGESEAL_HEXKEY environment variable (or PAGESEAL_PASSPHRASE with --format pageseal)`);
  const opts: ToolOptions = { cipher, hexkey, format: p.format === 'pageseal' ? 'pageseal' : 'turso' };
  resolveEncryption(opts).wipe(); // a malformed key is reported before any file is opened
  return opts;
}

function formatInfo(path: string, i: FileInfo): string {
  const lines = [`file:       ${path}`];
  if (i.format === 'unknown') return [...lines, 'format:     unknown (not a SQLite, Turso or pageseal database)'].join('\n'); // (exits 2: see run)
  const formats = { turso: 'turso (encrypted)', pageseal: `pageseal (encrypted, version ${i.formatVersion})`, sqlite: 'sqlite (plain)' };
  lines.push(`format:     ${formats[i.format]}`);
  if (i.format !== 'sqlite') lines.push(`cipher:     ${i.cipher ?? 'unknown'} (id ${i.cipherId})`);
  if (i.format === 'pageseal') {
    lines.push(`db id:      ${i.databaseId}`);
    lines.push(`kdf:        ${i.kdf ? `scrypt N=2^${i.kdf.log2N} r=${i.kdf.r} p=${i.kdf.p} (passphrase)` : 'none (raw key)'}`);
  }
  lines.push(`page size:  ${i.pageSize}`, `pages:      ${i.pageCount}`, `reserved:   ${i.reservedBytes} bytes per page`);
  const other = (i.walFramesInFile ?? 0) - (i.walFrames ?? 0);
  const more = other > 0 ? ` (+${other} frames not committed, or checksummed over plaintext: see verify)` : '';
  lines.push(`wal:        ${i.walPresent ? `present, ${i.walFrames ?? 0} committed frames${more}` : 'none'}`);
  if (i.hotJournal) {
    lines.push(
      `journal:    HOT (${i.journalBytes} bytes): a write transaction was interrupted or is running; the figures above may`,
      '            include uncommitted pages. Open the database once with pageseal (with its key, not read-only) to roll it back.',
    );
  } else if (i.journalBytes !== undefined) lines.push(`journal:    present, not hot (${i.journalBytes} bytes)`);
  return lines.join('\n');
}

function formatVerify(path: string, r: VerifyResult): string {
  const over = r.framesChecked && r.walChecksums === 'plaintext' ? ' (WAL checksums over plaintext: written through the pageseal VFS)' : '';
  const checked = `${r.pagesChecked} pages, ${r.framesChecked} WAL frames${over}`;
  const note = r.walFramesIgnored ? `\nnote: ${r.walFramesIgnored} WAL frames after the last valid commit were ignored (uncommitted, or the WAL is damaged)` : '';
  if (r.ok) return `ok: ${path}: ${checked} authenticated${note}`;
  if (r.wrongKey) return `FAILED: ${path}: wrong key or cipher (none of ${checked} authenticated)`;
  const db = summarise(r.failures.filter((f) => f.where === 'db').map((f) => f.page));
  const wal = r.failures.filter((f) => f.where === 'wal').map((f) => `${f.frame} (page ${f.page})`);
  const lines = [`FAILED: ${path}: ${r.failureCount} of ${checked} failed authentication (modified or damaged)`];
  if (db.length) lines.push(`  database pages: ${db}`);
  if (wal.length) lines.push(`  WAL frames: ${listed(wal)}`);
  if (r.failureCount > r.failures.length) lines.push(`  (${r.failureCount - r.failures.length} more not listed)`);
  return lines.join('\n') + note;
}

const MAX_SHOWN = 20;

/** Page numbers as ranges (3, 7-9, 12), at most MAX_SHOWN items, then how many more. */
function summarise(pages: number[]): string {
  const items: string[] = [];
  for (let i = 0; i < pages.length; ) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j]! + 1) j++;
    items.push(j > i ? `${pages[i]}-${pages[j]}` : `${pages[i]}`);
    i = j + 1;
  }
  return listed(items);
}

function listed(items: string[]): string {
  const more = items.length - MAX_SHOWN;
  return items.slice(0, MAX_SHOWN).join(', ') + (more > 0 ? `, ... (${more} more)` : '');
}

type Out = (line: string) => void;

function run(p: Parsed, env: NodeJS.ProcessEnv, out: Out, progress: ProgressSink): number {
  switch (p.command) {
    case 'info': {
      const [file] = files(p, 1, 'one file');
      const i = info(file!);
      if (i.format === 'unknown' && !p.json) throw new PagesealError('NOT_A_DATABASE', i.reason ?? `${file} is not a SQLite or Turso database`);
      out(p.json ? JSON.stringify(i) : formatInfo(file!, i));
      return i.format === 'unknown' ? 2 : 0;
    }
    case 'verify': {
      const [file] = files(p, 1, 'one file');
      const r = verifyFile(file!, keyOptions(p, env));
      out(p.json ? JSON.stringify(r) : formatVerify(file!, r));
      return r.ok ? 0 : 1;
    }
    case 'decrypt':
    case 'encrypt': {
      const [input, output] = files(p, 2, 'an input and an output file');
      const tool = p.command === 'decrypt' ? decryptFile : encryptFile;
      const r = tool(input!, output!, keyOptions(p, env));
      const folded = r.walFrames ? `, ${r.walFrames} WAL frames folded in` : '';
      out(`${p.command}ed ${input} -> ${output} (${r.pages} pages${folded})`);
      return 0;
    }
    case 'rekey': {
      const [file] = files(p, 1, 'one file');
      try {
        const keys = { hexkey: p.hexkey, newHexkey: p.newHexkey, passphrase: p.passphrase, newPassphrase: p.newPassphrase };
        runRekey({ file: file!, cipher: p.cipher, newCipher: p.newCipher, format: p.format, newFormat: p.newFormat, newKdfLog2N: p.newKdfLog2N, ...keys, json: p.json }, env, out, progress);
      } catch (e) {
        if (e instanceof RekeyUsageError) throw new UsageError(e.message);
        throw e;
      }
      return 0;
    }
    default:
      throw new UsageError(p.command === undefined ? 'no command given' : `unknown command ${JSON.stringify(p.command)}`);
  }
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Out = console.log, err: Out = console.error, progress: ProgressSink = process.stderr): number {
  try {
    if (argv[0] === 'bench') return benchMain(argv.slice(1), out);
    const p = parseArgs(argv);
    if (p.help || argv.length === 0) {
      out(HELP);
      return p.help ? 0 : 2;
    }
    return run(p, env, out, progress);
  } catch (e) {
    if (e instanceof UsageError || e instanceof BenchUsageError) {
      err(`pageseal: ${e.message} (see pageseal --help)`);
      return 2;
    }
    if (e instanceof AuthenticationError) {
      err(`pageseal: ${e.message}`);
      return 1;
    }
    err(`pageseal: ${e instanceof PagesealError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`}`);
    return 2;
  }
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main(process.argv.slice(2));
