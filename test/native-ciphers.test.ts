/**
 * The native cipher core (src/native, through src/ciphers/native-backend.ts): published vectors on the fast
 * and the portable C path, differential tests against the TypeScript backend, tampering, argument checks,
 * and the CPU path each cipher runs on.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { addonLoadError, addonPath, loadAddon } from '../src/addon.js';
import {
  nativeBackend,
  nativeBackendPortable,
  nativeCipherId,
  nativeCipherPath,
  wipeNativeKeyCache,
} from '../src/ciphers/native-backend.js';
import { CIPHER_SPECS } from '../src/ciphers/registry.js';
import { AuthenticationError } from '../src/errors.js';
import { loadCipherVectors } from './helpers/vectors.js';
import { checkTampering, checkVector, compareBackends, rng, type NamedBackend } from './helpers/native-checks.js';

const addon = loadAddon();
const fast = nativeBackend();
const portable = nativeBackendPortable();
const PATHS: NamedBackend[] = [
  ['native-fast', fast],
  ['native-portable', portable],
];

function cpuHasAesAndClmul(): boolean {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    return /\baes\b/.test(flags) && /\b(pclmulqdq|pmull)\b/.test(flags); // x86 flags, or ARM64 Features
  } catch {
    return false;
  }
}

it('the native addon is built (required wherever CI runs the suite)', () => {
  if (process.env.CI) expect(addonLoadError()).toBeUndefined();
  if (process.env.CI) expect(fast).not.toBeNull();
});

describe.skipIf(fast === null)(`native ciphers${fast === null ? ` (skipped: addon not available: ${String(addonLoadError())})` : ''}`, () => {
  const vectors = loadCipherVectors();

  it('has every published vector for all eight ciphers', () => {
    // AEGIS draft: 18 entries for 128L and 256 (each vector with both tag sizes), 4 for each X variant;
    // AES-GCM: 133 Wycheproof + 8 McGrew-Viega entries with 128/256-bit keys and 96-bit IVs.
    const count = (name: string) => vectors.filter((v) => v.cipher === name).length;
    for (const name of ['aegis128l', 'aegis256']) expect(count(name), name).toBe(18);
    for (const name of ['aegis128x2', 'aegis128x4', 'aegis256x2', 'aegis256x4']) expect(count(name), name).toBe(4);
    expect(count('aes128gcm') + count('aes256gcm')).toBe(141);
    expect(count('aes128gcm')).toBeGreaterThan(0);
    expect(count('aes256gcm')).toBeGreaterThan(0);
  });

  for (const [pathName, backend] of PATHS) {
    describe(`published vectors on the ${pathName} path`, () => {
      for (const s of CIPHER_SPECS) {
        it(s.name, () => {
          const impl = backend![s.name];
          for (const v of vectors.filter((x) => x.cipher === s.name)) checkVector(impl, v);
        });
      }
    });
  }

  describe('differential: native fast == native portable == TypeScript', () => {
    const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4048, 65500];
    for (const s of CIPHER_SPECS) {
      it(`${s.name}: fixed and random lengths, random keys, nonces and associated data`, () => {
        const random = rng(0x5eed0000 + s.id);
        const cases: number[] = [...LENGTHS, ...LENGTHS];
        for (let i = 0; i < 330; i++) cases.push(random(2)[0] + (random(1)[0] & 1) * random(1)[0] * 4);
        for (const len of cases) compareBackends(s, random, len, PATHS);
        expect(cases.length).toBeGreaterThanOrEqual(350);
      });
    }
  });

  for (const [pathName, backend] of PATHS) {
    describe(`tampering is rejected on the ${pathName} path`, () => {
      for (const s of CIPHER_SPECS) {
        it(s.name, () => {
          const random = rng(0x7a3e0000 + s.id);
          for (const len of [0, 1, 100, 4048]) checkTampering(s, backend![s.name], random, len);
        });
      }
    });
  }

  it('reports a fast CPU path for every cipher on this machine, and portable when forced', () => {
    const forcedByEnv = process.env.PAGESEAL_FORCE_PORTABLE === '1';
    for (const s of CIPHER_SPECS) {
      const path = nativeCipherPath(s.name);
      expect(['aesni', 'vaes-avx2', 'avx512', 'armv8-aes', 'portable']).toContain(path);
      if (forcedByEnv) expect(path).toBe('portable');
      else if (cpuHasAesAndClmul()) expect(path, s.name).not.toBe('portable');
      expect(nativeCipherPath(s.name, { portable: true })).toBe('portable');
    }
  });

  it('worker threads run the ciphers at the same time, each with its own key cache', async () => {
    // Each worker alternates fast and portable contexts with its own key and checks against node:crypto.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const crypto = require('node:crypto');
      const addon = require(workerData.path);
      const key = crypto.randomBytes(32);
      let bad = 0;
      for (let i = 0; i < 1500; i++) {
        const nonce = crypto.randomBytes(12), pt = crypto.randomBytes(i % 300);
        const r = addon.aeadEncrypt(2, key, nonce, pt, null, 16, i % 2 === 1);
        const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
        const ct = Buffer.concat([c.update(pt), c.final()]);
        if (!ct.equals(r.ciphertext) || !c.getAuthTag().equals(r.tag)) bad++;
        if (!addon.aeadDecrypt(2, key, nonce, r.ciphertext, r.tag, null, i % 3 === 0).equals(pt)) bad++;
      }
      parentPort.postMessage(bad);`;
    const workers = [0, 1, 2].map(() => new Worker(code, { eval: true, workerData: { path: addonPath() } }));
    const results = workers.map((w) => new Promise((resolve, reject) => w.on('message', resolve).on('error', reject)));
    const random = rng(0x3ead);
    for (let i = 0; i < 300; i++) compareBackends(CIPHER_SPECS[1], random, i, PATHS); // the main thread meanwhile
    expect(await Promise.all(results)).toEqual([0, 0, 0]);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  it('wiping the key cache keeps results correct (keys are set up again)', () => {
    const random = rng(0x71fe);
    for (let i = 0; i < 20; i++) {
      compareBackends(CIPHER_SPECS[i % 8], random, 100, PATHS);
      if (i % 3 === 0) wipeNativeKeyCache();
    }
  });

  describe('bad arguments throw typed errors', () => {
    const aes = () => fast!.aes128gcm;
    const key = new Uint8Array(16);
    const nonce = new Uint8Array(12);

    it('wrong sizes are RangeErrors, wrong types TypeErrors, and never show the key', () => {
      expect(() => aes().encrypt(new Uint8Array(15), nonce, new Uint8Array(4))).toThrow(RangeError);
      expect(() => aes().encrypt(new Uint8Array(32), nonce, new Uint8Array(4))).toThrow(RangeError);
      expect(() => aes().encrypt(key, new Uint8Array(16), new Uint8Array(4))).toThrow(RangeError);
      expect(() => aes().encrypt(key, nonce, new Uint8Array(4), undefined, 32)).toThrow(RangeError);
      expect(() => fast!.aegis128l.encrypt(key, new Uint8Array(16), new Uint8Array(4), undefined, 24)).toThrow(RangeError);
      expect(() => aes().encrypt('key' as unknown as Uint8Array, nonce, new Uint8Array(4))).toThrow(TypeError);
      expect(() => aes().encrypt(key, nonce, [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
      expect(() => aes().encrypt(key, nonce, new Uint8Array(4), 'ad' as unknown as Uint8Array)).toThrow(TypeError);
      expect(() => aes().encrypt(new Uint16Array(8) as unknown as Uint8Array, nonce, new Uint8Array(4))).toThrow(TypeError);
      const secret = new Uint8Array(31).fill(0xab);
      try {
        fast!.aes256gcm.encrypt(secret, nonce, new Uint8Array(1));
        expect.unreachable();
      } catch (e) {
        expect(String((e as Error).message)).not.toMatch(/abab|171/);
      }
    });

    it('a tag of the wrong length fails authentication', () => {
      const { ciphertext } = aes().encrypt(key, nonce, new Uint8Array(10));
      expect(() => aes().decrypt(key, nonce, ciphertext, new Uint8Array(15))).toThrow(AuthenticationError);
      expect(() => aes().decrypt(key, nonce, ciphertext, new Uint8Array(32))).toThrow(AuthenticationError);
    });

    it('the raw addon functions reject garbage without crashing', () => {
      const a = addon!;
      const calls: Array<() => unknown> = [
        () => a.aeadEncrypt(0, key, nonce, key, null, 16, false),
        () => a.aeadEncrypt(9, key, nonce, key, null, 16, false),
        () => a.aeadEncrypt(1.5, key, nonce, key, null, 16, false),
        () => a.aeadEncrypt(NaN, key, nonce, key, null, 16, false),
        () => (a.aeadEncrypt as unknown as () => unknown)(),
        () => a.aeadEncrypt(1, key, nonce, key, null, 16, 'yes' as unknown as boolean),
        () => a.aeadEncrypt(1, key, nonce, key, null, -1, false),
        () => a.aeadDecrypt(1, key, nonce, key, {} as Uint8Array, null, false),
        () => a.aeadDecrypt(1, key, nonce, key, new Uint8Array(16), null, false),
        () => a.cipherPath(42, false),
        () => a.benchCipher(1, false, 'hash' as 'encrypt', 4096, 1),
        () => a.benchCipher(1, false, 'encrypt', -1, 1),
        () => a.benchCipher(1, false, 'encrypt', 4096, 0),
      ];
      for (const call of calls) expect(call).toThrow();
      expect(() => a.aeadEncrypt(0, key, nonce, key, null, 16, false)).toThrow(RangeError);
      expect(() => (a.aeadEncrypt as unknown as () => unknown)()).toThrow(TypeError);
      try {
        a.aeadDecrypt(1, key, nonce, key, new Uint8Array(16), null, false);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('AUTHENTICATION_FAILED');
      }
    });

    it('the self-timing benchmark runs the real cipher', () => {
      for (const s of CIPHER_SPECS) {
        for (const op of ['encrypt', 'decrypt'] as const) {
          expect(addon!.benchCipher(nativeCipherId(s.name), false, op, 4096, 3)).toBeGreaterThan(0);
          expect(addon!.benchCipher(nativeCipherId(s.name), true, op, 100, 2)).toBeGreaterThanOrEqual(0);
        }
      }
    });
  });
});
