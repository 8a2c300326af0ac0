/** Sets up the page codec for an opened database and the caller's encryption options (either format). */
import { FormatError } from '../errors.js';
import { getCipher } from '../ciphers/registry.js';
import type { BackendName } from '../ciphers/types.js';
import { formatOf, resolveEncryptionFor, type EncryptionOpts, type ResolvedEncryption } from '../options.js';
import { checkTursoMagic, createPageFormat, type PageFormat } from '../format/page-codec.js';
import { createPagesealFormat } from '../format/pageseal-format.js';
import type { DatabaseSource } from './source.js';

/** Options of the offline tools: the database's cipher and key (or passphrase), and optionally which cipher backend runs. */
export type ToolOptions = EncryptionOpts & {
  backend?: BackendName;
};

/** Runs `use` with the options resolved for `stored` (page 1's stored header, null for a new file), wiping the key after. */
export function withEncryption<T>(opts: ToolOptions, stored: Uint8Array | null, use: (enc: ResolvedEncryption) => T): T {
  const enc = resolveEncryptionFor(opts, stored);
  try {
    return use(enc);
  } finally {
    enc.wipe();
  }
}

/** Refuses a file in the other page format than the options name. */
export function checkFormat(src: DatabaseSource, opts: ToolOptions): void {
  const want = formatOf(opts);
  if (src.kind === 'pageseal' && want !== 'pageseal') {
    throw new FormatError('FORMAT_MISMATCH', `${src.path} is in pageseal's format: pass format 'pageseal' (--format pageseal)`);
  }
  if (src.kind === 'turso' && want !== 'turso') {
    throw new FormatError('FORMAT_MISMATCH', `${src.path} is in Turso's format, not pageseal's: leave format at 'turso'`);
  }
}

/** Checks that `src` is an encrypted file of this format and cipher, and runs `use` with a codec for it (wiped after). */
export function withSourceCodec<T>(src: DatabaseSource, opts: ToolOptions, use: (codec: PageFormat, enc: ResolvedEncryption) => T): T {
  checkFormat(src, opts);
  return withEncryption(opts, src.storedHeader, (enc) => {
    if (enc.format === 'turso') checkTursoMagic(src.storedHeader, enc.cipher);
    else sourceCheckPageseal(src, enc);
    const codec = codecFor(src.header.reservedBytes, src.pageSize, enc, opts.backend);
    try {
      return use(codec, enc);
    } finally {
      codec.wipe();
    }
  });
}

function sourceCheckPageseal(src: DatabaseSource, enc: ResolvedEncryption): void {
  if (src.kind === 'sqlite') throw new FormatError('NOT_ENCRYPTED', `${src.path} is a plain (unencrypted) SQLite file`);
  if (src.storedHeader[9] !== enc.cipher.id) {
    throw new FormatError('CIPHER_MISMATCH', `${src.path} is encrypted with cipher id ${src.storedHeader[9]}, not with ${enc.cipher.name}`);
  }
}

/** A codec of the resolved format for pages of `pageSize` bytes whose header declares `reservedBytes`. */
export function codecFor(reservedBytes: number, pageSize: number, enc: ResolvedEncryption, backend?: BackendName): PageFormat {
  if (reservedBytes !== enc.cipher.reservedBytes) {
    throw new FormatError(
      'RESERVE_MISMATCH',
      `the database reserves ${reservedBytes} bytes per page, ${enc.cipher.name} needs ${enc.cipher.reservedBytes} (nonce ${enc.cipher.nonceSize} + tag 16)`,
    );
  }
  const cipher = getCipher(enc.cipher.name, backend ? { backend } : {});
  if (enc.format === 'pageseal') return createPagesealFormat(cipher, enc.key, pageSize, enc.header!);
  return createPageFormat('turso', cipher, enc.key, pageSize);
}
