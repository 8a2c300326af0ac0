/** The offline tools: info, decrypt, encrypt, verify, and folding a Turso -wal. */
export { info, type FileInfo } from './info.js';
export { decryptFile } from './decrypt.js';
export { encryptFile } from './encrypt.js';
export { verifyFile, MAX_LISTED_FAILURES, type VerifyResult, type VerifyFailure } from './verify.js';
export { foldTursoWal } from './fold-wal.js';
export type { ToolOptions } from './codec.js';
export type { TransformResult } from './transform.js';
