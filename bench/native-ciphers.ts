/**
 * Benchmark candidates for bench/ciphers.ts beyond the TS backend:
 *
 *   native-fast      the C cipher on the fastest CPU path here      timed in C (self-timing `benchCipher`)
 *   native-portable  the C cipher forced onto the portable path     timed in C
 *   node-crypto      node:crypto AES-GCM, one cipher object per page (as an application calls it), GCM only
 *
 * The native figures come from the addon's C loop (in-place operations on a page buffer, no JavaScript per
 * page), because a JS call costs more than the cipher itself; the median of many short runs is reported, so
 * a run that the scheduler interrupts lands in the tail instead of the result.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { loadAddon } from '../src/addon.js';
import { nativeBackend, nativeCipherId, nativeCipherPath } from '../src/ciphers/native-backend.js';
import { CIPHER_SPECS } from '../src/ciphers/registry.js';
import type { CipherName, CipherSpec } from '../src/ciphers/types.js';

/** The shape of bench/ciphers.ts's Candidate (kept structural: that file runs its benchmark on import). */
export interface BenchCandidate {
  cipher: CipherName;
  path: string;
  encrypt(page: Uint8Array): void;
  decrypt(page: Uint8Array): void;
  /** µs per page measured by the candidate itself (in C), instead of tinybench around encrypt/decrypt. */
  selfTimedUs?(op: 'encrypt' | 'decrypt'): number;
}

const RUNS = 21;
const RUN_MS = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** µs per page of one native operation: RUNS C-timed runs of about RUN_MS each, median. */
function nativeUsPerPage(name: CipherName, portable: boolean, op: 'encrypt' | 'decrypt', pageSize: number): number {
  const addon = loadAddon()!;
  const id = nativeCipherId(name);
  const probeNs = addon.benchCipher(id, portable, op, pageSize, 20) / 20; // also warms caches and the CPU up
  const iterations = Math.max(10, Math.min(1e7, Math.round((RUN_MS * 1e6) / Math.max(probeNs, 1))));
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(addon.benchCipher(id, portable, op, pageSize, iterations) / iterations / 1000);
  return median(samples);
}

/** native-fast and native-portable for one cipher; none when the addon is not built. */
export function nativeCandidates(spec: CipherSpec, page: Uint8Array): BenchCandidate[] {
  const backend = nativeBackend();
  if (!backend) return [];
  const key = new Uint8Array(spec.keySize).fill(0x42);
  const nonce = new Uint8Array(spec.nonceSize).fill(0x24);
  const sealed = backend[spec.name].encrypt(key, nonce, page);
  const opened = backend[spec.name].decrypt(key, nonce, sealed.ciphertext, sealed.tag);
  if (!Buffer.from(opened).equals(Buffer.from(page))) throw new Error(`${spec.name}/native does not round-trip`);
  return (['native-fast', 'native-portable'] as const).map((path) => {
    const portable = path === 'native-portable';
    const aead = portable ? null : backend[spec.name];
    return {
      cipher: spec.name,
      path,
      encrypt: (p: Uint8Array) => void aead?.encrypt(key, nonce, p),
      decrypt: () => void aead?.decrypt(key, nonce, sealed.ciphertext, sealed.tag),
      selfTimedUs: (op: 'encrypt' | 'decrypt') => nativeUsPerPage(spec.name, portable, op, page.length),
    };
  });
}

/** node:crypto AES-GCM for the two GCM ciphers: a fresh cipher object per page, as an application would call it. */
export function nodeCryptoCandidates(spec: CipherSpec, page: Uint8Array): BenchCandidate[] {
  if (spec.name !== 'aes128gcm' && spec.name !== 'aes256gcm') return [];
  const algorithm = spec.name === 'aes128gcm' ? 'aes-128-gcm' : 'aes-256-gcm';
  const key = new Uint8Array(spec.keySize).fill(0x42);
  const nonce = new Uint8Array(12).fill(0x24);
  const sealer = createCipheriv(algorithm, key, nonce);
  const ciphertext = Buffer.concat([sealer.update(page), sealer.final()]);
  const tag = sealer.getAuthTag();
  return [
    {
      cipher: spec.name,
      path: 'node-crypto',
      encrypt: (p) => {
        const c = createCipheriv(algorithm, key, nonce);
        c.update(p);
        c.final();
        c.getAuthTag();
      },
      decrypt: () => {
        const d = createDecipheriv(algorithm, key, nonce);
        d.setAuthTag(tag);
        d.update(ciphertext);
        d.final();
      },
    },
  ];
}

/** One line naming the CPU path behind native-fast for each cipher, for the table's footer. */
export function nativePathsNote(): string {
  if (!nativeBackend()) return 'native paths left out: the addon is not built (run npm install)';
  return `native-fast CPU paths: ${CIPHER_SPECS.map((s) => `${s.name}=${nativeCipherPath(s.name)}`).join(', ')}`;
}
