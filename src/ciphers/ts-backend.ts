/** The pure-TypeScript backend: the reference every other implementation is checked against. */
import type { Aead, CipherName } from './types.js';
import { aes128gcm, aes256gcm } from './gcm.js';
import { aegis128l, aegis128x2, aegis128x4, aegis256, aegis256x2, aegis256x4 } from './aegis/index.js';

export const tsBackend: Record<CipherName, Aead> = Object.freeze({
  aes128gcm,
  aes256gcm,
  aegis256,
  aegis256x2,
  aegis256x4,
  aegis128l,
  aegis128x2,
  aegis128x4,
});
