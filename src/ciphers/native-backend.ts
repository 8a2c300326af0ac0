/**
 * The native backend: the C ciphers of the pageseal addon (src/native/ciphers/napi_ciphers.c), or null when
 * the addon is not built. `nativeBackend()` runs each cipher on the fastest path the CPU supports;
 * `nativeBackendPortable()` forces the constant-time portable C path (tests and benchmarks use both).
 */
import { loadAddon, type NativeCipherFunctions } from '../addon.js';
import { AuthenticationError } from '../errors.js';
import type { Aead, CipherName, Sealed } from './types.js';
import { CIPHER_TABLE } from './table.js';

/** Turso cipher ids (the one table in table.ts; the C enum in src/native/include/ps_aead.h is tested against it). */
const CIPHER_IDS: Readonly<Record<CipherName, number>> = Object.freeze(
  Object.fromEntries(CIPHER_TABLE.map((r) => [r.name, r.id])) as Record<CipherName, number>,
);

function cipherFunctions(): NativeCipherFunctions | null {
  const addon = loadAddon();
  return addon && typeof addon.aeadEncrypt === 'function' ? addon : null;
}

/** A Uint8Array view of a Buffer (same bytes, no copy), so results look like the TS backend's. */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function validTagLength(name: CipherName, n: number): boolean {
  return n === 16 || (n === 32 && name.startsWith('aegis'));
}

function nativeAead(fns: NativeCipherFunctions, name: CipherName, portable: boolean): Aead {
  const id = CIPHER_IDS[name];
  return Object.freeze({
    encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad?: Uint8Array, tagLength = 16): Sealed {
      const r = fns.aeadEncrypt(id, key, nonce, plaintext, ad, tagLength, portable);
      return { ciphertext: plain(r.ciphertext), tag: plain(r.tag) };
    },
    decrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, ad?: Uint8Array): Uint8Array {
      // Like the TS backend: a tag of the wrong length is a failed authentication, not a usage error.
      if (tag instanceof Uint8Array && !validTagLength(name, tag.length)) {
        throw new AuthenticationError(`authentication failed: tag must be ${name.startsWith('aegis') ? '16 or 32' : '16'} bytes`);
      }
      try {
        return plain(fns.aeadDecrypt(id, key, nonce, ciphertext, tag, ad, portable));
      } catch (e) {
        if ((e as { code?: unknown }).code === 'AUTHENTICATION_FAILED') throw new AuthenticationError('authentication failed');
        throw e;
      }
    },
  });
}

function buildBackend(portable: boolean): Record<CipherName, Aead> | null {
  const fns = cipherFunctions();
  if (!fns) return null;
  const out = {} as Record<CipherName, Aead>;
  for (const name of Object.keys(CIPHER_IDS) as CipherName[]) out[name] = nativeAead(fns, name, portable);
  return Object.freeze(out);
}

let fast: Record<CipherName, Aead> | null | undefined;
let portableOnly: Record<CipherName, Aead> | null | undefined;

/** The native ciphers on the fastest CPU path (or portable when PAGESEAL_FORCE_PORTABLE=1); null without the addon. */
export function nativeBackend(): Record<CipherName, Aead> | null {
  if (fast === undefined) fast = buildBackend(false);
  return fast;
}

/** The native ciphers forced onto the portable constant-time C path; null without the addon. */
export function nativeBackendPortable(): Record<CipherName, Aead> | null {
  if (portableOnly === undefined) portableOnly = buildBackend(true);
  return portableOnly;
}

/** The CPU path a cipher uses in this process ('aesni', 'vaes-avx2', 'avx512', 'armv8-aes' or 'portable'); null without the addon. */
export function nativeCipherPath(name: CipherName, options: { portable?: boolean } = {}): string | null {
  const fns = cipherFunctions();
  return fns ? fns.cipherPath(CIPHER_IDS[name], options.portable === true) : null;
}

/** Wipes the expanded keys the binding caches for this thread (the next call sets its key up again). */
export function wipeNativeKeyCache(): void {
  cipherFunctions()?.wipeKeyCache();
}

/** The Turso id of a cipher, as the addon expects it. */
export function nativeCipherId(name: CipherName): number {
  return CIPHER_IDS[name];
}
