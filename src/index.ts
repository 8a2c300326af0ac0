/**
 * pageseal's public API.
 */
export { open } from './api/open.js';
import { Database } from './api/database.js';
export { Database, type DatabaseOptions } from './api/database.js';
export { explainError } from './api/explain.js';
export { rekeyFile, type RekeyFileOptions, type RekeyResult } from './rekey/rekey-file.js';
export type { RekeyOptions } from './rekey/db-rekey.js';
export { install, type InstallOptions } from './api/install.js';
export { applyEncryption } from './api/apply.js';
export {
  PagesealError,
  UnknownCipherError,
  InvalidKeyError,
  InvalidOptionsError,
  AuthenticationError,
  FormatError,
  KeyNotAppliedError,
  type PagesealErrorCode,
} from './errors.js';
export {
  type EncryptionOpts,
  type HexKeyEncryption,
  type PassphraseEncryption,
  type PageFormatOption,
  resolveEncryption,
  resolveEncryptionFor,
  ResolvedEncryption,
} from './options.js';
export { DEFAULT_SCRYPT } from './kdf.js';
export { CIPHER_SPECS, CIPHER_NAMES, findCipherSpec, cipherSpecById, getCipher, availableBackends } from './ciphers/registry.js';
export type { CipherName, CipherSpec, Cipher, Aead, BackendName } from './ciphers/types.js';

// Offline tools and the page codec (src/tools, src/format).
export { info, decryptFile, encryptFile, verifyFile, foldTursoWal, MAX_LISTED_FAILURES } from './tools/index.js';
export type { FileInfo, ToolOptions, TransformResult, VerifyResult, VerifyFailure } from './tools/index.js';
export { createPageFormat, TursoPageFormat, classifyHeader, checkTursoMagic, tursoCipherOf } from './format/page-codec.js';
export type { PageFormat, PageFormatName, PageContext, FileKind } from './format/page-codec.js';
export { createPagesealFormat, PagesealPageFormat } from './format/pageseal-format.js';
export { parsePagesealHeader, type PagesealHeader, type ScryptParams } from './format/pageseal-header.js';
export { parseSqliteHeader, type SqliteHeader } from './format/sqlite-header.js';
export { parseWalHeader, scanWalFile, walChecksum, type WalHeader, type WalFrame, type WalScan } from './format/wal.js';

/** The default export is the `Database` class, as better-sqlite3's is: `import Database from 'pageseal'`. */
export default Database;
