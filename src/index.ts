/**
 * pageseal's public API.
 */
export { open } from './api/open.js';
export { Database, type DatabaseOptions } from './api/database.js';
export { explainError } from './api/explain.js';
export { install } from './api/install.js';
export {
  PagesealError,
  UnknownCipherError,
  InvalidKeyError,
  InvalidOptionsError,
  AuthenticationError,
  FormatError,
  type PagesealErrorCode,
} from './errors.js';
export { type EncryptionOpts, resolveEncryption, ResolvedEncryption } from './options.js';
export { CIPHER_SPECS, CIPHER_NAMES, findCipherSpec, cipherSpecById, getCipher, availableBackends } from './ciphers/registry.js';
export type { CipherName, CipherSpec, Cipher, Aead, BackendName } from './ciphers/types.js';
