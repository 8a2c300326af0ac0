/**
 * Cipher speed per page on every native CPU path this machine has, timed in C by the addon's
 * `benchCipher` (in-place operations on a page buffer, no JavaScript per page: a JS call costs more
 * than the cipher). Each figure is the median of several short runs, so a run the scheduler
 * interrupts lands in the tail, not in the result.
 *
 * Paths: the fastest one the CPU offers, each slower x86 path (the addon honours
 * PAGESEAL_MAX_PATH=vaes-avx2|aesni at key setup), and the constant-time portable C path.
 * What is encrypted per page is what the VFS encrypts: the page minus its reserved nonce + tag.
 */
import { loadAddon, type NativeAddon } from '../addon.js';
import { nativeCipherId } from '../ciphers/native-backend.js';
import { CIPHER_SPECS } from '../ciphers/registry.js';
import type { CipherName, CipherSpec } from '../ciphers/types.js';
import { PagesealError } from '../errors.js';

export interface PathFigure {
  cipher: CipherName;
  /** 'avx512' | 'vaes-avx2' | 'aesni' | 'portable' (or another path name the addon reports). */
  path: string;
  /** True for the path the VFS uses on this machine. */
  used: boolean;
  pageSize: number;
  encryptUs: number;
  decryptUs: number;
}

export interface SpeedOptions {
  pageSizes: number[];
  /** Runs per figure (median taken) and the length of one run. */
  runs: number;
  runMs: number;
  progress?: (what: string) => void;
}

const CAPS = [undefined, 'vaes-avx2', 'aesni'] as const;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function addon(): NativeAddon {
  const a = loadAddon();
  if (!a || typeof a.benchCipher !== 'function') throw new PagesealError('IO', 'the pageseal native addon is not available: the benchmark measures the native ciphers (run npm rebuild pageseal)');
  return a;
}

/** Runs `fn` with PAGESEAL_MAX_PATH set to `cap` (or unset), restoring the previous value. */
function withCap<T>(cap: string | undefined, fn: () => T): T {
  const before = process.env.PAGESEAL_MAX_PATH;
  if (cap === undefined) delete process.env.PAGESEAL_MAX_PATH;
  else process.env.PAGESEAL_MAX_PATH = cap;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.PAGESEAL_MAX_PATH;
    else process.env.PAGESEAL_MAX_PATH = before;
  }
}

interface PathChoice {
  path: string;
  cap: string | undefined;
  portable: boolean;
}

/** The distinct paths of one cipher here, fastest first, portable last. */
export function cipherPaths(spec: CipherSpec): PathChoice[] {
  const a = addon();
  const id = nativeCipherId(spec.name);
  const out: PathChoice[] = [];
  for (const cap of CAPS) {
    const path = withCap(cap, () => a.cipherPath(id, false));
    if (!out.some((p) => p.path === path)) out.push({ path, cap, portable: false });
  }
  if (!out.some((p) => p.path === 'portable')) out.push({ path: 'portable', cap: undefined, portable: true });
  else out.find((p) => p.path === 'portable')!.portable = true;
  return out;
}

/** The path the VFS uses for a cipher in this process. */
export function usedPath(spec: CipherSpec): string {
  return addon().cipherPath(nativeCipherId(spec.name), false);
}

/** µs per page for one (cipher, path, op, bytes): `runs` C-timed runs of about `runMs` each, median. */
function usPerPage(id: number, choice: PathChoice, op: 'encrypt' | 'decrypt', bytes: number, runs: number, runMs: number): number {
  const a = addon();
  return withCap(choice.cap, () => {
    const probeNs = a.benchCipher(id, choice.portable, op, bytes, 16) / 16; // also warms caches and the core up
    const iterations = Math.max(4, Math.min(1e7, Math.round((runMs * 1e6) / Math.max(probeNs, 1))));
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(a.benchCipher(id, choice.portable, op, bytes, iterations) / iterations / 1000);
    return median(samples);
  });
}

/** Every cipher on every path, encrypt and decrypt, for each page size. */
export function measureCiphers(opts: SpeedOptions): PathFigure[] {
  const out: PathFigure[] = [];
  const jobs = CIPHER_SPECS.flatMap((spec) => {
    const used = usedPath(spec);
    return cipherPaths(spec).flatMap((choice) => opts.pageSizes.map((pageSize) => ({ spec, choice, pageSize, used: choice.path === used })));
  });
  jobs.forEach((j, i) => {
    opts.progress?.(`cipher ${j.spec.name} on ${j.choice.path}, ${j.pageSize}-byte pages (${i + 1}/${jobs.length})`);
    const id = nativeCipherId(j.spec.name);
    const bytes = j.pageSize - j.spec.reservedBytes;
    out.push({
      cipher: j.spec.name,
      path: j.choice.path,
      used: j.used,
      pageSize: j.pageSize,
      encryptUs: usPerPage(id, j.choice, 'encrypt', bytes, opts.runs, opts.runMs),
      decryptUs: usPerPage(id, j.choice, 'decrypt', bytes, opts.runs, opts.runMs),
    });
  });
  return out;
}
