#!/usr/bin/env node
/**
 * The `pageseal` command: info / decrypt / encrypt / verify on Turso-encrypted SQLite files.
 * Exit codes: 0 success, 1 authentication/verification failure, 2 usage or input error.
 * Errors are one line on stderr, never a stack trace, and never contain the key.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AuthenticationError, PagesealError } from './errors.js';
import { decryptFile, encryptFile, info, verifyFile, type FileInfo, type VerifyResult } from './tools/index.js';
import type { ToolOptions } from './tools/codec.js';
import { findCipherSpec } from './ciphers/registry.js';
import { BenchUsageError, benchMain } from './bench/index.js';

export const HELP = `pageseal: Turso-compatible encrypted SQLite files, offline

Usage:
  pageseal info <file> [--json]
  pageseal verify <file> --cipher C [--hexkey K] [--json]
  pageseal decrypt <in> <out> --cipher C [--hexkey K]
  pageseal encrypt <in> <out> --cipher C [--hexkey K]
  pageseal bench [--quick] [--db] [--page-size N] [--json] [--svg FILE]
  pageseal --help

Commands:
  info      format, cipher, page size, page count and WAL state (no key needed)
  verify    authenticate every page and every committed WAL frame
  decrypt   write a plain SQLite copy (committed WAL frames folded in)
  encrypt   write a Turso-encrypted copy of a plain SQLite file whose pages already
            reserve the cipher's nonce+tag bytes (header byte 20)
  bench     time every cipher on every CPU path here (and a database workload with
            --db) and recommend one for this machine (pageseal bench --help)

Options:
  --cipher C    aes128gcm, aes256gcm, aegis256, aegis256x2, aegis256x4,
                aegis128l, aegis128x2, aegis128x4
  --hexkey K    the key in hex (32 or 64 digits, by cipher). A key on the command line
                is visible to other users in 'ps' and lands in shell history: prefer
                the environment variable PAGESEAL_HEXKEY.
  --json        machine-readable output (info, verify)

Outputs are written to a temporary file and renamed when complete; an existing
output is never overwritten.
Exit codes: 0 ok, 1 authentication or verification failed, 2 usage or input error.
`;

class UsageError extends Error {}

interface Parsed {
  command: string | undefined;
  files: string[];
  cipher?: string;
  hexkey?: string;
  json: boolean;
  help: boolean;
}

const VALUE_FLAGS = new Set(['--cipher', '--hexkey']);

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
  const hexkey = p.hexkey ?? env.PAGESEAL_HEXKEY;
  if (!hexkey) throw new UsageError(`${p.command} needs a key: --hexkey K or the PAGESEAL_HEXKEY environment variable`);
  return { cipher: findCipherSpec(p.cipher).name, hexkey };
}

function formatInfo(path: string, i: FileInfo): string {
  const lines = [`file:       ${path}`];
  if (i.format === 'unknown') return [...lines, 'format:     unknown (not a SQLite or Turso database)'].join('\n');
  lines.push(`format:     ${i.format === 'turso' ? 'turso (encrypted)' : 'sqlite (plain)'}`);
  if (i.format === 'turso') lines.push(`cipher:     ${i.cipher ?? 'unknown'} (id ${i.cipherId})`);
  lines.push(`page size:  ${i.pageSize}`, `pages:      ${i.pageCount}`, `reserved:   ${i.reservedBytes} bytes per page`);
  const other = (i.walFramesInFile ?? 0) - (i.walFrames ?? 0);
  const more = other > 0 ? ` (+${other} frames not committed, or checksummed over plaintext: see verify)` : '';
  lines.push(`wal:        ${i.walPresent ? `present, ${i.walFrames ?? 0} committed frames${more}` : 'none'}`);
  return lines.join('\n');
}

function formatVerify(path: string, r: VerifyResult): string {
  const over = r.framesChecked && r.walChecksums === 'plaintext' ? ' (WAL checksums over plaintext: written through the pageseal VFS)' : '';
  const checked = `${r.pagesChecked} pages, ${r.framesChecked} WAL frames${over}`;
  const note = r.walFramesIgnored ? `\nnote: ${r.walFramesIgnored} WAL frames after the last valid commit were ignored (uncommitted, or the WAL is damaged)` : '';
  if (r.ok) return `ok: ${path}: ${checked} authenticated${note}`;
  const db = r.failures.filter((f) => f.where === 'db').map((f) => f.page);
  const wal = r.failures.filter((f) => f.where === 'wal').map((f) => `${f.frame} (page ${f.page})`);
  const lines = [`FAILED: ${path}: ${r.failureCount} of ${checked} failed authentication`];
  if (db.length) lines.push(`  database pages: ${db.join(', ')}`);
  if (wal.length) lines.push(`  WAL frames: ${wal.join(', ')}`);
  if (r.failureCount > r.failures.length) lines.push(`  (${r.failureCount - r.failures.length} more not listed)`);
  return lines.join('\n') + note;
}

type Out = (line: string) => void;

function run(p: Parsed, env: NodeJS.ProcessEnv, out: Out): number {
  switch (p.command) {
    case 'info': {
      const [file] = files(p, 1, 'one file');
      const i = info(file!);
      out(p.json ? JSON.stringify(i) : formatInfo(file!, i));
      return 0;
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
    default:
      throw new UsageError(p.command === undefined ? 'no command given' : `unknown command ${JSON.stringify(p.command)}`);
  }
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Out = console.log, err: Out = console.error): number {
  try {
    if (argv[0] === 'bench') return benchMain(argv.slice(1), out);
    const p = parseArgs(argv);
    if (p.help || argv.length === 0) {
      out(HELP);
      return p.help ? 0 : 2;
    }
    return run(p, env, out);
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
