/**
 * pageseal's page format: Turso's layout (ciphertext, tag, nonce in the reserved bytes; page 1's
 * header bytes 16..99 in plaintext), with every page bound to its database and position:
 *
 *   associated data = version (1) | domain (1: 0 database page, 1 WAL frame) | database id (16)
 *                     | page number (4, big-endian)
 *                     [ WAL frame: salt-1, salt-2 as stored (8) | 1-based frame number (4, big-endian) ]
 *                     [ page 1 layout: the 100 header bytes as stored ]
 *
 * Page 1 stores "pageseal", version, cipher, KDF fields in bytes 0..15 and the database id in
 * bytes 72..87 (pageseal-header.ts). The native VFS builds the same bytes (src/native/vfs/pagecrypt.c);
 * vectors/pageseal-pages.json holds pages both implementations are tested against.
 */
import { FormatError, AuthenticationError } from '../errors.js';
import type { Cipher } from '../ciphers/types.js';
import { TursoPageFormat, type PageContext, type PageFormatName } from './page-codec.js';
import { HEADER_SIZE, SQLITE_MAGIC, hasSqliteMagic } from './sqlite-header.js';
import {
  DATABASE_ID_OFFSET,
  DATABASE_ID_SIZE,
  EXPANSION_END,
  PAGESEAL_VERSION,
  encodePagesealPrefix,
  hasPagesealMagic,
  type PagesealHeader,
} from './pageseal-header.js';
import { hasTursoPrefix } from './page-codec.js';
import { describeCipher } from './describe-cipher.js';

const DOMAIN_PAGE = 0;
const DOMAIN_WAL = 1;

/** The associated data of a page (see the top comment). */
export function pagesealAssociatedData(databaseId: Uint8Array, pageNo: number, storedHeader: Uint8Array | undefined, ctx: PageContext): Uint8Array {
  const base = ctx.wal ? 34 : 22;
  const ad = new Uint8Array(base + (storedHeader ? HEADER_SIZE : 0));
  const dv = new DataView(ad.buffer);
  ad[0] = PAGESEAL_VERSION;
  ad[1] = ctx.wal ? DOMAIN_WAL : DOMAIN_PAGE;
  ad.set(databaseId, 2);
  dv.setUint32(18, pageNo);
  if (ctx.wal) {
    if (ctx.wal.salt.length !== 8) throw new RangeError('WAL salt must be 8 bytes');
    ad.set(ctx.wal.salt, 22);
    dv.setUint32(30, ctx.wal.frame);
  }
  if (storedHeader) ad.set(storedHeader.subarray(0, HEADER_SIZE), base);
  return ad;
}

export class PagesealPageFormat extends TursoPageFormat {
  override readonly name: PageFormatName = 'pageseal';
  readonly header: PagesealHeader;
  readonly #prefix: Uint8Array;

  constructor(cipher: Cipher, key: Uint8Array, pageSize: number, header: PagesealHeader) {
    super(cipher, key, pageSize);
    if (header.cipherId !== cipher.id) throw new RangeError(`the pageseal header names cipher id ${header.cipherId}, the codec has ${cipher.name}`);
    if (header.databaseId.length !== DATABASE_ID_SIZE) throw new RangeError('the database id must be 16 bytes');
    this.header = { ...header, databaseId: Uint8Array.from(header.databaseId) };
    this.#prefix = encodePagesealPrefix(header);
  }

  protected override associatedData(pageNo: number, storedHeader: Uint8Array | undefined, ctx: PageContext): Uint8Array {
    return pagesealAssociatedData(this.header.databaseId, pageNo, storedHeader, ctx);
  }

  protected override writePrefix(input: Uint8Array, output: Uint8Array): void {
    for (let i = DATABASE_ID_OFFSET; i < EXPANSION_END; i++) {
      if (input[i] !== 0) throw new FormatError('CORRUPT', `page 1 header byte ${i} (reserved for expansion) is not zero; the pageseal format keeps its database id there`);
    }
    output.set(this.#prefix, 0);
    output.set(this.header.databaseId, DATABASE_ID_OFFSET);
  }

  /** The stored header must be this database's: same prefix (cipher, KDF) and database id. */
  protected override checkPrefix(input: Uint8Array): void {
    if (!hasPagesealMagic(input)) {
      if (hasSqliteMagic(input)) throw new FormatError('NOT_ENCRYPTED', 'the database is a plain (unencrypted) SQLite file');
      if (hasTursoPrefix(input)) throw new FormatError('FORMAT_MISMATCH', "the database is in Turso's format, not pageseal's");
      throw new FormatError('NOT_A_DATABASE', 'not a pageseal-format database (page 1 does not start with "pageseal")');
    }
    if (input[8] !== PAGESEAL_VERSION) throw new FormatError('CORRUPT', `unsupported pageseal format version ${input[8]}`);
    if (input[9] !== this.cipher.id) {
      throw new FormatError('CIPHER_MISMATCH', `the database is encrypted with ${describeCipher(input[9]!)}, not with ${this.cipher.name} (cipher id ${this.cipher.id})`);
    }
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= input[i]! ^ this.#prefix[i]!;
    for (let i = 0; i < DATABASE_ID_SIZE; i++) diff |= input[DATABASE_ID_OFFSET + i]! ^ this.header.databaseId[i]!;
    for (let i = DATABASE_ID_OFFSET + DATABASE_ID_SIZE; i < EXPANSION_END; i++) diff |= input[i]!;
    if (diff !== 0) throw new AuthenticationError('page 1 belongs to another database or was modified (its pageseal header differs)', 1);
  }

  protected override restoreHeader(output: Uint8Array): void {
    output.set(SQLITE_MAGIC, 0);
    output.fill(0, DATABASE_ID_OFFSET, EXPANSION_END);
  }
}

/** Creates pageseal's page codec for one database (its header names the database id and KDF). */
export function createPagesealFormat(cipher: Cipher, key: Uint8Array, pageSize: number, header: PagesealHeader): PagesealPageFormat {
  return new PagesealPageFormat(cipher, key, pageSize, header);
}
