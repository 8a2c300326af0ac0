/** The native backend: the C ciphers of the pageseal addon, or null when the addon is not built. */
import type { Aead, CipherName } from './types.js';

// Filled in by the native cipher core (issue 3).
export function nativeBackend(): Record<CipherName, Aead> | null {
  return null;
}
