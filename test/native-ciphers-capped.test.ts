/**
 * The intermediate CPU paths: PAGESEAL_MAX_PATH caps the fast path (src/native/ciphers/cpu.c), so the AES-NI and the
 * VAES/AVX2 code run the published vectors and the differential tests on a machine whose fastest path is
 * AVX-512; =portable turns every fast path off (on ARM64 it is the only cap). Each cap needs a fresh process (key setups are cached), hence one child vitest run per cap.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { nativeBackend, nativeCipherPath } from '../src/ciphers/native-backend.js';
import { CIPHER_SPECS } from '../src/ciphers/registry.js';
import { loadCipherVectors } from './helpers/vectors.js';
import { checkTampering, checkVector, compareBackends, rng } from './helpers/native-checks.js';

const CAP = process.env.PAGESEAL_MAX_PATH;
const cpuFlags = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
})();
const has = (flag: string) => new RegExp(`\\b${flag}\\b`).test(cpuFlags);

if (CAP === undefined) {
  // The parent: runs this same file once per cap in a child process.
  describe.skipIf(nativeBackend() === null)('native ciphers on capped CPU paths', () => {
    for (const cap of ['aesni', 'vaes-avx2', 'portable']) {
      const needed =
        cap === 'portable' || (cap === 'aesni' ? has('aes') && has('pclmulqdq') : has('vaes') && has('vpclmulqdq') && has('avx2'));
      it.skipIf(!needed || process.env.PAGESEAL_FORCE_PORTABLE === '1')(`PAGESEAL_MAX_PATH=${cap}`, () => {
        const r = spawnSync(process.execPath, [vitestBin(), 'run', 'test/native-ciphers-capped.test.ts'], {
          env: { ...process.env, PAGESEAL_MAX_PATH: cap, NO_COLOR: '1', FORCE_COLOR: '0' },
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/Tests\s+9 passed \(9\)/); // 1 path check + 8 ciphers, none skipped
      });
    }
  });
} else {
  // The child: every cipher on the capped fast path.
  const fast = nativeBackend()!;
  const vectors = loadCipherVectors();

  it(`no cipher runs above ${CAP}`, () => {
    for (const s of CIPHER_SPECS) {
      const path = nativeCipherPath(s.name);
      expect(path, s.name).not.toBe('avx512');
      if (CAP === 'aesni') expect(path, s.name).toBe('aesni');
      if (CAP === 'portable') expect(path, s.name).toBe('portable');
      if (CAP === 'vaes-avx2' && s.name.startsWith('aes')) expect(path, s.name).toBe('vaes-avx2');
    }
  });

  for (const s of CIPHER_SPECS) {
    it(`${s.name}: vectors, differential against TypeScript, tampering`, () => {
      for (const v of vectors.filter((x) => x.cipher === s.name)) checkVector(fast[s.name], v);
      const random = rng(0xcafe0000 + s.id);
      for (const len of [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 4048, 4096, 65500])
        compareBackends(s, random, len, [[`native-${CAP}`, fast]]);
      for (let i = 0; i < 100; i++) compareBackends(s, random, random(2)[0] * 3, [[`native-${CAP}`, fast]]);
      for (const len of [0, 100, 4048]) checkTampering(s, fast[s.name], random, len);
    });
  }
}

function vitestBin(): string {
  return new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
}
