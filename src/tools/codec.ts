/** Sets up the Turso page codec for an opened database and the caller's { cipher, hexkey }. */
import { FormatError } from '../errors.js';
import { getCipher } from '../ciphers/registry.js';
import type { BackendName } from '../ciphers/types.js';
import { resolveEncryption, type EncryptionOpts, type ResolvedEncryption } from '../options.js';
import { checkTursoMagic, createPageFormat, type PageFormat } from '../format/page-codec.js';
import type { DatabaseSource } from './source.js';

/** Options of the offline tools: the database's cipher and key, and optionally which cipher backend runs. */
export interface ToolOptions extends EncryptionOpts {
  backend?: BackendName;
}

/** Validates options, wiping the key if `use` throws. */
export function withEncryption<T>(opts: ToolOptions, use: (enc: ResolvedEncryption) => T): T {
  const enc = resolveEncryption(opts);
  try {
    return use(enc);
  } finally {
    enc.wipe();
  }
}

/** Checks that `src` is a Turso file of this cipher, and returns a codec for it (wipe it when done). */
export function tursoCodec(src: DatabaseSource, enc: ResolvedEncryption, backend?: BackendName): PageFormat {
  checkTursoMagic(src.storedHeader, enc.cipher);
  return codecFor(src.header.reservedBytes, src.pageSize, enc, backend);
}

/** A Turso codec for pages of `pageSize` bytes whose header declares `reservedBytes`. */
export function codecFor(reservedBytes: number, pageSize: number, enc: ResolvedEncryption, backend?: BackendName): PageFormat {
  if (reservedBytes !== enc.cipher.reservedBytes) {
    throw new FormatError(
      'RESERVE_MISMATCH',
      `the database reserves ${reservedBytes} bytes per page, ${enc.cipher.name} needs ${enc.cipher.reservedBytes} (nonce ${enc.cipher.nonceSize} + tag 16)`,
    );
  }
  return createPageFormat('turso', getCipher(enc.cipher.name, backend ? { backend } : {}), enc.key, pageSize);
}
