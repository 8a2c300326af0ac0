/**
 * The cipher registry: one entry per cipher, with the sizes and id bytes of Turso's format
 * (ids and sizes from the one table in table.ts; Turso core/storage/encryption.rs v0.7.2), and the
 * implementations ("backends") that can run it.
 *
 *   ts      pure TypeScript (AEGIS written here from draft-irtf-cfrg-aegis-aead; AES-GCM via @noble/ciphers)
 *   native  the C implementations in the pageseal addon (present once the addon is built)
 */
import { UnknownCipherError, PagesealError } from '../errors.js';
import type { Aead, BackendName, Cipher, CipherName, CipherSpec } from './types.js';
import { tsBackend } from './ts-backend.js';
import { nativeBackend } from './native-backend.js';
import { CIPHER_TABLE } from './table.js';

const ALIASES: Readonly<Record<CipherName, readonly string[]>> = {
  aes128gcm: ['aes-128-gcm', 'aes_128_gcm'],
  aes256gcm: ['aes-256-gcm', 'aes_256_gcm'],
  aegis256: ['aegis-256', 'aegis_256'],
  aegis256x2: ['aegis-256x2', 'aegis_256x2', 'aegis-256-x2', 'aegis_256_x2'],
  aegis256x4: ['aegis-256x4', 'aegis_256x4', 'aegis-256-x4', 'aegis_256_x4'],
  aegis128l: ['aegis-128l', 'aegis_128l'],
  aegis128x2: ['aegis-128x2', 'aegis_128x2', 'aegis-128-x2', 'aegis_128_x2'],
  aegis128x4: ['aegis-128x4', 'aegis_128x4', 'aegis-128-x4', 'aegis_128_x4'],
};

/** All ciphers, in Turso id order. */
export const CIPHER_SPECS: readonly CipherSpec[] = Object.freeze(
  CIPHER_TABLE.map((r) =>
    Object.freeze({
      name: r.name,
      id: r.id,
      keySize: r.keySize,
      nonceSize: r.nonceSize,
      tagSize: r.tagSize,
      reservedBytes: r.nonceSize + r.tagSize,
      aliases: Object.freeze([...ALIASES[r.name]]),
    }),
  ),
);

export const CIPHER_NAMES: readonly CipherName[] = CIPHER_SPECS.map((s) => s.name);

const byName = new Map<string, CipherSpec>();
for (const s of CIPHER_SPECS) {
  byName.set(s.name, s);
  for (const a of s.aliases) byName.set(a, s);
}

/** Looks a cipher up by canonical name or alias, case-insensitively. Throws UnknownCipherError. */
export function findCipherSpec(name: string): CipherSpec {
  const s = typeof name === 'string' ? byName.get(name.trim().toLowerCase()) : undefined;
  if (!s) {
    // Echo the name only when it is short: a long string here is most likely a key passed in the
    // wrong field, and a key must never reach an error message.
    const shown =
      typeof name !== 'string' ? `(a ${typeof name})` : name.length <= 24 && !/^[0-9a-f]{16,}$/i.test(name) ? JSON.stringify(name) : '(not shown)';
    throw new UnknownCipherError(`unknown cipher ${shown}; valid ciphers: ${CIPHER_NAMES.join(', ')}`);
  }
  return s;
}

/** Looks a cipher up by its Turso id byte; undefined when the id is not known. */
export function cipherSpecById(id: number): CipherSpec | undefined {
  return CIPHER_SPECS.find((s) => s.id === id);
}

/** Backends that can be used in this process (`native` only when the addon is built and loads). */
export function availableBackends(): BackendName[] {
  return nativeBackend() ? ['native', 'ts'] : ['ts'];
}

function backendImpls(backend: BackendName): Record<CipherName, Aead> {
  if (backend === 'ts') return tsBackend;
  const n = nativeBackend();
  if (!n) throw new PagesealError('IO', 'the native pageseal addon is not available (was `npm install` run with a C toolchain?)');
  return n;
}

const cache = new Map<string, Cipher>();

/**
 * The registry entry for `name` (canonical or alias). `backend` defaults to `native` when the addon
 * is available, else `ts`. Both produce identical bytes; the tests hold them to that.
 */
export function getCipher(name: string, options: { backend?: BackendName } = {}): Cipher {
  const s = findCipherSpec(name);
  const backend = options.backend ?? availableBackends()[0];
  const k = `${backend}:${s.name}`;
  let c = cache.get(k);
  if (!c) {
    const impl = backendImpls(backend)[s.name];
    c = Object.freeze({
      ...s,
      backend,
      encrypt: impl.encrypt.bind(impl),
      decrypt: impl.decrypt.bind(impl),
    });
    cache.set(k, c);
  }
  return c;
}
