/**
 * Cipher throughput per 4 KiB page, measured with tinybench.
 *
 *   npm run bench:ciphers            table: µs per page and MB/s, encrypt and decrypt
 *   npm run bench:ciphers -- --json  exactly one JSON object on stdout:
 *                                    { "<cipher>": { "<path>": { "encrypt_us_per_4k": n, "decrypt_us_per_4k": n } } }
 *
 * What is measured is a list of candidates ({ cipher, path, encrypt(page), decrypt(page) }) built by
 * `buildCandidates`; to measure another implementation (e.g. a native CPU path), add its candidates
 * there. Each tinybench call runs a batch of pages sized so a call lasts about 100 µs (timer
 * overhead stays negligible even for sub-µs paths), and the median per call is reported per page.
 */
import { Bench } from 'tinybench';
import { CIPHER_SPECS, getCipher } from '../src/ciphers/registry.js';
import type { Aead, CipherName, CipherSpec } from '../src/ciphers/types.js';
import { nativeCandidates, nativePathsNote, nodeCryptoCandidates } from './native-ciphers.js';

const PAGE_SIZE = 4096;

export interface Candidate {
  cipher: CipherName;
  /** Which implementation, e.g. `ts`. */
  path: string;
  /** Encrypts a PAGE_SIZE plaintext page. */
  encrypt(page: Uint8Array): void;
  /** Decrypts and authenticates this candidate's own encryption of `page` (made once, up front). */
  decrypt(page: Uint8Array): void;
  /** µs per page measured by the candidate itself (the native ones time themselves in C), instead of tinybench. */
  selfTimedUs?(op: 'encrypt' | 'decrypt'): number;
}

/** A candidate over any Aead; checks once that it round-trips the page before it is timed. */
export function aeadCandidate(spec: CipherSpec, path: string, aead: Aead, page: Uint8Array): Candidate {
  const key = new Uint8Array(spec.keySize).fill(0x42);
  const nonce = new Uint8Array(spec.nonceSize).fill(0x24);
  const sealed = aead.encrypt(key, nonce, page);
  const opened = aead.decrypt(key, nonce, sealed.ciphertext, sealed.tag);
  if (!Buffer.from(opened).equals(Buffer.from(page))) throw new Error(`${spec.name}/${path} does not round-trip`);
  return {
    cipher: spec.name,
    path,
    encrypt: (p) => void aead.encrypt(key, nonce, p),
    decrypt: () => void aead.decrypt(key, nonce, sealed.ciphertext, sealed.tag),
  };
}

/** Everything to measure: every cipher natively (fast and portable C, when built), on the TS backend, and node:crypto for GCM. */
export function buildCandidates(page: Uint8Array): Candidate[] {
  return CIPHER_SPECS.flatMap((spec) => [
    ...nativeCandidates(spec, page),
    aeadCandidate(spec, 'ts', getCipher(spec.name, { backend: 'ts' }), page),
    ...nodeCryptoCandidates(spec, page),
  ]);
}

/** How many pages one timed call should process so that it lasts about `targetUs`. */
function batchSize(op: () => void, targetUs = 100): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 20) {
    op();
    n++;
  }
  const perOpUs = ((performance.now() - start) * 1000) / n;
  return Math.max(1, Math.round(targetUs / perOpUs));
}

interface Measured {
  cipher: CipherName;
  path: string;
  encryptUs: number;
  decryptUs: number;
}

async function usPerPage(op: () => void): Promise<number> {
  const batch = batchSize(op);
  const bench = new Bench({ time: 1000, warmupTime: 200, throws: true });
  bench.add('op', () => {
    for (let i = 0; i < batch; i++) op();
  });
  await bench.run();
  const latency = bench.tasks[0]!.result!.latency;
  return ((latency.p50 ?? latency.mean) * 1000) / batch;
}

async function measure(candidates: Candidate[], page: Uint8Array): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const c of candidates) {
    const encryptUs = c.selfTimedUs ? c.selfTimedUs('encrypt') : await usPerPage(() => c.encrypt(page));
    const decryptUs = c.selfTimedUs ? c.selfTimedUs('decrypt') : await usPerPage(() => c.decrypt(page));
    out.push({ cipher: c.cipher, path: c.path, encryptUs, decryptUs });
  }
  return out;
}

const mbPerS = (us: number): number => PAGE_SIZE / us; // bytes per µs = MB/s

function printTable(rows: Measured[]): void {
  console.log(`Cipher throughput per ${PAGE_SIZE}-byte page (median; MB/s = 10^6 bytes/s)\n`);
  console.log(['cipher'.padEnd(11), 'path'.padEnd(15), 'enc µs'.padStart(9), 'enc MB/s'.padStart(9), 'dec µs'.padStart(9), 'dec MB/s'.padStart(9)].join(' '));
  for (const r of rows) {
    console.log(
      [
        r.cipher.padEnd(11),
        r.path.padEnd(15),
        r.encryptUs.toFixed(2).padStart(9),
        mbPerS(r.encryptUs).toFixed(0).padStart(9),
        r.decryptUs.toFixed(2).padStart(9),
        mbPerS(r.decryptUs).toFixed(0).padStart(9),
      ].join(' '),
    );
  }
  console.log(`\n${nativePathsNote()}`);
}

function toJson(rows: Measured[]): Record<string, Record<string, { encrypt_us_per_4k: number; decrypt_us_per_4k: number }>> {
  const out: Record<string, Record<string, { encrypt_us_per_4k: number; decrypt_us_per_4k: number }>> = {};
  const round = (x: number) => Math.round(x * 1000) / 1000;
  for (const r of rows) {
    out[r.cipher] ??= {};
    out[r.cipher]![r.path] = { encrypt_us_per_4k: round(r.encryptUs), decrypt_us_per_4k: round(r.decryptUs) };
  }
  return out;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const page = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < page.length; i++) page[i] = (i * 31 + 7) & 0xff;
  const rows = await measure(buildCandidates(page), page);
  if (json) process.stdout.write(JSON.stringify(toJson(rows)) + '\n');
  else printTable(rows);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
