import { cipherSpecById } from '../ciphers/registry.js';

/** "aegis256 (cipher id 3)" or "an unknown cipher (cipher id 99)". */
export function describeCipher(id: number): string {
  const spec = cipherSpecById(id);
  return spec ? `${spec.name} (cipher id ${id})` : `an unknown cipher (cipher id ${id})`;
}
