/**
 * pageseal's public API.
 */
export { open } from './api/open.js';
export { Database, type DatabaseOptions } from './api/database.js';
export { explainError } from './api/explain.js';
export { install } from './api/install.js';
export { applyEncryption } from './api/apply.js';
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

// Offline tools and the page codec (src/tools, src/format).
export { info, decryptFile, encryptFile, verifyFile, foldTursoWal, MAX_LISTED_FAILURES } from './tools/index.js';
export type { FileInfo, ToolOptions, TransformResult, VerifyResult, VerifyFailure } from './tools/index.js';
export { createPageFormat, TursoPageFormat, classifyHeader, checkTursoMagic, tursoCipherOf } from './format/page-codec.js';
export type { PageFormat, PageFormatName, PageContext, FileKind } from './format/page-codec.js';
export { parseSqliteHeader, type SqliteHeader } from './format/sqlite-header.js';
export { parseWalHeader, scanWalFile, walChecksum, type WalHeader, type WalFrame, type WalScan } from './format/wal.js';
