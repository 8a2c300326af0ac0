/**
 * Cipher speed per 4 KiB page: the native C ciphers (fast CPU path and forced portable path), the
 * TypeScript backend, and node:crypto AES-GCM (one createCipheriv per page), measured in one run.
 *
 * Native figures come from the addon's C-level self-timing loop (`benchCipher`: in-place operations on a
 * page buffer, no JavaScript per page), median of several runs. TypeScript and node:crypto go through
 * tinybench (median latency of one call per page).
 *
 * Usage: node .bench-out/bench/native-ciphers.js [--json] [--quick] [--only aes128gcm,aegis256,...]
 *   --json   prints { "<cipher>": { "<path>": { "encrypt_us_per_4k": n, "decrypt_us_per_4k": n } } } on stdout
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Bench } from 'tinybench';
import { loadAddon } from '../src/addon.js';
import { nativeCipherId, nativeCipherPath } from '../src/ciphers/native-backend.js';
import { CIPHER_SPECS } from '../src/ciphers/registry.js';
import { tsBackend } from '../src/ciphers/ts-backend.js';
import type { CipherName, CipherSpec } from '../src/ciphers/types.js';

export const PAGE = 4096;

export interface PathFigures {
  encrypt_us_per_4k: number;
  decrypt_us_per_4k: number;
}
export type Figures = Record<string, Record<string, PathFigures>>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** µs per page of one native operation: C-timed runs of about `runMs` each, median of `runs`. */
function nativeUs(name: CipherName, portable: boolean, op: 'encrypt' | 'decrypt', runs: number, runMs: number): number {
  const addon = loadAddon();
  if (!addon) throw new Error('the native addon is not built');
  const id = nativeCipherId(name);
  const probe = addon.benchCipher(id, portable, op, PAGE, 20) / 20; // ns per page, also a warm-up
  const iterations = Math.max(10, Math.min(1e7, Math.round((runMs * 1e6) / Math.max(probe, 1))));
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(addon.benchCipher(id, portable, op, PAGE, iterations) / iterations / 1000);
  return round3(median(samples));
}

export function nativeFigures(name: CipherName, portable: boolean, quick = false): PathFigures {
  // Many short runs: on a shared machine a run that gets preempted lands in the tail, not the median.
  const runs = quick ? 7 : 21;
  const runMs = quick ? 1 : 2;
  return {
    encrypt_us_per_4k: nativeUs(name, portable, 'encrypt', runs, runMs),
    decrypt_us_per_4k: nativeUs(name, portable, 'decrypt', runs, runMs),
  };
}

/** One tinybench run of encrypt and decrypt closures; median latency in µs. */
async function tinyFigures(label: string, encrypt: () => unknown, decrypt: () => unknown, quick: boolean): Promise<PathFigures> {
  const bench = new Bench({ time: quick ? 60 : 250, warmupTime: quick ? 20 : 50, throws: true });
  bench.add(`${label} encrypt`, encrypt).add(`${label} decrypt`, decrypt);
  await bench.run();
  const [enc, dec] = bench.tasks.map((t) => t.result?.latency.p50 ?? NaN); // milliseconds
  return { encrypt_us_per_4k: round3(enc * 1000), decrypt_us_per_4k: round3(dec * 1000) };
}

export async function tsFigures(spec: CipherSpec, quick = false): Promise<PathFigures> {
  const impl = tsBackend[spec.name];
  const key = randomBytes(spec.keySize);
  const nonce = randomBytes(spec.nonceSize);
  const page = randomBytes(PAGE);
  const { ciphertext, tag } = impl.encrypt(key, nonce, page);
  return tinyFigures(`ts ${spec.name}`, () => impl.encrypt(key, nonce, page), () => impl.decrypt(key, nonce, ciphertext, tag), quick);
}

/** node:crypto AES-GCM as an application would call it per page: one cipher object per page. */
export async function nodeCryptoFigures(spec: CipherSpec, quick = false): Promise<PathFigures> {
  const algorithm = spec.name === 'aes128gcm' ? 'aes-128-gcm' : 'aes-256-gcm';
  const key = randomBytes(spec.keySize);
  const nonce = randomBytes(12);
  const page = randomBytes(PAGE);
  const sealer = createCipheriv(algorithm, key, nonce);
  const ciphertext = Buffer.concat([sealer.update(page), sealer.final()]);
  const tag = sealer.getAuthTag();
  const encrypt = () => {
    const c = createCipheriv(algorithm, key, nonce);
    c.update(page);
    c.final();
    return c.getAuthTag();
  };
  const decrypt = () => {
    const d = createDecipheriv(algorithm, key, nonce);
    d.setAuthTag(tag);
    d.update(ciphertext);
    return d.final();
  };
  return tinyFigures(`node:crypto ${spec.name}`, encrypt, decrypt, quick);
}

/** Every cipher on every path available here. */
export async function measureAll(options: { quick?: boolean; only?: string[] | null; log?: (s: string) => void } = {}): Promise<Figures> {
  const quick = options.quick ?? false;
  const log = options.log ?? (() => {});
  const native = loadAddon() !== null;
  const out: Figures = {};
  for (const spec of CIPHER_SPECS) {
    if (options.only && !options.only.includes(spec.name)) continue;
    const row: Record<string, PathFigures> = {};
    if (native) {
      row['native-fast'] = nativeFigures(spec.name, false, quick);
      row['native-portable'] = nativeFigures(spec.name, true, quick);
    }
    row.ts = await tsFigures(spec, quick);
    if (spec.name === 'aes128gcm' || spec.name === 'aes256gcm') row['node-crypto'] = await nodeCryptoFigures(spec, quick);
    out[spec.name] = row;
    log(describeRow(spec.name, row));
  }
  return out;
}

const gbps = (us: number) => (PAGE / (us * 1000)).toFixed(2);

function describeRow(name: CipherName, row: Record<string, PathFigures>): string {
  const lines = Object.entries(row).map(([path, f]) => {
    const cpu = path === 'native-fast' ? ` [${nativeCipherPath(name)}]` : '';
    return `  ${(path + cpu).padEnd(28)} encrypt ${f.encrypt_us_per_4k.toFixed(3).padStart(8)} µs (${gbps(f.encrypt_us_per_4k).padStart(6)} GB/s)   decrypt ${f.decrypt_us_per_4k.toFixed(3).padStart(8)} µs (${gbps(f.decrypt_us_per_4k).padStart(6)} GB/s)`;
  });
  return `${name}\n${lines.join('\n')}\n`;
}

function parseArgs(argv: string[]): { json: boolean; quick: boolean; only: string[] | null } {
  const o = { json: false, quick: false, only: null as string[] | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = String(argv[++i]).split(',');
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s);
  if (!loadAddon()) log('native addon not built: native paths left out (run npm install)\n');
  log(`µs per ${PAGE}-byte page, median (native: C-timed loop; ts and node-crypto: one JS call per page)\n`);
  const figures = await measureAll({ quick: opts.quick, only: opts.only, log });
  if (opts.json) process.stdout.write(JSON.stringify(figures) + '\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
