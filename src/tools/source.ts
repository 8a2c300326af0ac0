/**
 * A database file opened for the offline tools: its header, its -wal beside it (committed frames
 * only), and page reads that return the latest committed version of a page. Reads go through one
 * caller-supplied page buffer at a time, so memory does not grow with the database.
 */
import { closeSync, fstatSync } from 'node:fs';
import { FormatError, PagesealError } from '../errors.js';
import { HEADER_SIZE, headerPageCount, parseSqliteHeader, type SqliteHeader } from '../format/sqlite-header.js';
import { classifyHeader, type FileKind, type PageContext } from '../format/page-codec.js';
import { scanWal, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, type WalFrame, type WalScan } from '../format/wal.js';
import { ioError, readAt } from './files.js';
import { journalState, hotJournalError, openRegular, openRegularOrNull, type JournalState } from './journal.js';

export interface OpenOptions {
  /** Open the database file for writing too (foldTursoWal). */
  writable?: boolean;
  /** Open even beside a hot rollback journal (info: it only reports it). Otherwise refused: HOT_JOURNAL. */
  allowHotJournal?: boolean;
}

export class DatabaseSource {
  readonly path: string;
  readonly fd: number;
  readonly fileBytes: number;
  readonly walPresent: boolean;
  readonly walFd: number | null;
  /** The rollback journal beside the database (null when there is none). */
  journal: JournalState | null = null;
  // Set by #load (again when the WAL is rescanned over decrypted pages):
  /** What page 1 (latest committed version) says this is. */
  kind: FileKind = 'unknown';
  /** The first 100 bytes of page 1 as stored (latest committed version). */
  storedHeader: Uint8Array = new Uint8Array(0);
  header!: SqliteHeader;
  /** null when there is no -wal file, or it holds no committed frame. */
  wal: WalScan | null = null;
  /** Whole frames of the -wal that are not committed (0 without a WAL). */
  walFramesIgnored = 0;
  /** What the WAL's checksums were found to cover: the stored bytes (Turso) or the decrypted pages (SQLite via the pageseal VFS). */
  walChecksums: 'stored' | 'plaintext' = 'stored';

  private constructor(path: string, fd: number, walFd: number | null) {
    this.path = path;
    this.fd = fd;
    this.walFd = walFd;
    this.walPresent = walFd !== null;
    this.fileBytes = fstatSync(fd).size;
    this.#load(walFd === null ? null : scanWal(walFd));
  }

  /**
   * When the WAL's chain does not verify over its stored bytes, tries it over the decrypted pages,
   * as SQLite computes it when it writes through the pageseal VFS. A frame that fails to decrypt
   * ends the log there (as a torn write would). Returns true when that found committed frames.
   */
  adoptPlaintextChecksummedWal(decrypt: (pageNo: number, stored: Uint8Array, out: Uint8Array, ctx: PageContext) => void): boolean {
    if (this.walFd === null || this.wal !== null || this.walFramesIgnored === 0) return false;
    const scratch = new Uint8Array(this.pageSize);
    const scan = scanWal(this.walFd, (pageNo, stored, where) => {
      if (stored.length !== scratch.length) return null;
      try {
        decrypt(pageNo, stored, scratch, { wal: { salt: where.header.slice(8, 16), frame: where.index + 1 } });
        return scratch;
      } catch (err) {
        if (err instanceof PagesealError) return null;
        throw err;
      }
    });
    if (scan.frames.length === 0) return false;
    this.#load(scan);
    this.walChecksums = 'plaintext';
    return true;
  }

  #load(scan: WalScan | null): void {
    this.wal = scan && scan.frames.length > 0 ? scan : null;
    this.walFramesIgnored = scan ? scan.framesInFile - scan.frames.length : 0;
    this.storedHeader = this.#readStoredHeader();
    this.kind = classifyHeader(this.storedHeader);
    if (this.kind === 'unknown') throw new FormatError('NOT_A_DATABASE', `${this.path} is not a SQLite or Turso database, nor in pageseal's format (unrecognised header)`);
    this.header = parseSqliteHeader(this.storedHeader);
    this.#checkGeometry();
  }

  /** Opens `path` and its `-wal` (if any). Throws PagesealError IO / FormatError. */
  static open(path: string, options: OpenOptions = {}): DatabaseSource {
    if (typeof path !== 'string' || path.length === 0) throw ioError(undefined, 'open', String(path));
    const fd = openRegular(path, options.writable === true);
    let walFd: number | null = null;
    try {
      const journal = journalState(path);
      if (journal?.hot && !options.allowHotJournal) throw hotJournalError(path, journal.path);
      walFd = openRegularOrNull(path + '-wal', options.writable === true);
      const src = new DatabaseSource(path, fd, walFd);
      src.journal = journal;
      return src;
    } catch (err) {
      if (walFd !== null) closeSync(walFd);
      closeSync(fd);
      throw err;
    }
  }

  get pageSize(): number {
    return this.header.pageSize;
  }

  /** Whole pages in the database file itself. */
  get filePages(): number {
    return Math.floor(this.fileBytes / this.pageSize);
  }

  /** Pages of the database after its last commit (WAL included). */
  get pageCount(): number {
    if (this.wal) return this.wal.databaseSize;
    return headerPageCount(this.header, this.fileBytes);
  }

  /** Committed WAL frames in log order (empty without a WAL). */
  get frames(): readonly WalFrame[] {
    return this.wal ? this.wal.frames : [];
  }

  /** Reads the latest committed version of page `pageNo` as stored into `buf`; says where it came from. */
  readPage(pageNo: number, buf: Uint8Array): 'db' | 'wal' {
    const walOffset = this.wal?.latest.get(pageNo);
    if (walOffset !== undefined) {
      this.#read(this.walFd!, buf, walOffset, `${this.path}-wal`);
      return 'wal';
    }
    this.readFilePage(pageNo, buf);
    return 'db';
  }

  /** The codec context of the latest committed version of `pageNo` (a WAL frame's salts and number, or none). */
  contextOf(pageNo: number): PageContext {
    const walOffset = this.wal?.latest.get(pageNo);
    if (walOffset === undefined) return {};
    const index = (walOffset - WAL_HEADER_SIZE - WAL_FRAME_HEADER_SIZE) / (this.pageSize + WAL_FRAME_HEADER_SIZE);
    return this.frameContext({ index });
  }

  /** The codec context of a committed WAL frame: its salts (all committed frames carry the header's) and 1-based number. */
  frameContext(frame: { index: number }): PageContext {
    const h = this.wal!.header!;
    const salt = new Uint8Array(8);
    const dv = new DataView(salt.buffer);
    dv.setUint32(0, h.salt1);
    dv.setUint32(4, h.salt2);
    return { wal: { salt, frame: frame.index + 1 } };
  }

  /** Reads page `pageNo` of the database file itself (ignoring the WAL). */
  readFilePage(pageNo: number, buf: Uint8Array): void {
    this.#read(this.fd, buf, (pageNo - 1) * this.pageSize, this.path);
  }

  /** Reads the page bytes of a committed WAL frame. */
  readFrame(frame: WalFrame, buf: Uint8Array): void {
    this.#read(this.walFd!, buf, frame.pageOffset, `${this.path}-wal`);
  }

  close(): void {
    if (this.walFd !== null) closeSync(this.walFd);
    closeSync(this.fd);
  }

  #read(fd: number, buf: Uint8Array, position: number, name: string): void {
    let got: number;
    try {
      got = readAt(fd, buf, position);
    } catch (err) {
      throw ioError(err, 'read', name);
    }
    if (got !== buf.length) throw new FormatError('CORRUPT', `${name} is truncated (a page at offset ${position} is incomplete)`);
  }

  #readStoredHeader(): Uint8Array {
    const head = new Uint8Array(HEADER_SIZE);
    const walPage1 = this.wal?.latest.get(1);
    const got = walPage1 !== undefined ? readAt(this.walFd!, head, walPage1) : readAt(this.fd, head, 0);
    if (got === 0) throw new FormatError('NOT_A_DATABASE', `${this.path} is empty`);
    if (got < HEADER_SIZE) throw new FormatError('NOT_A_DATABASE', `${this.path} is too short to be a database (${got} bytes)`);
    return head;
  }

  /** The file must hold whole pages, and every page up to the page count must exist somewhere. */
  #checkGeometry(): void {
    const p = this.pageSize;
    if (this.wal && this.wal.header!.pageSize !== p) {
      throw new FormatError('CORRUPT', `${this.path}-wal has page size ${this.wal.header!.pageSize}, the database ${p}`);
    }
    if (this.fileBytes % p !== 0) {
      throw new FormatError('CORRUPT', `${this.path} is truncated: ${this.fileBytes} bytes is not a whole number of ${p}-byte pages`);
    }
    // A -wal whose frames did not verify over their stored bytes may be one SQLite wrote through the
    // pageseal VFS (checksums over plaintext) that a checkpoint was copying when it was killed: the
    // file can then be shorter than page 1 says. Page counts are checked once that WAL is adopted
    // (adoptPlaintextChecksummedWal loads again); a page that is really missing still fails on read.
    if (!this.wal && this.walFramesIgnored > 0) return;
    if (this.kind === 'turso' && this.header.declaredPages > this.pageCount) {
      // Turso keeps header bytes 28..31 current (and authenticated as page 1's associated data).
      throw new FormatError('CORRUPT', `${this.path} is truncated: its header declares ${this.header.declaredPages} pages, only ${this.pageCount} are present`);
    }
    const missing = this.pageCount - this.filePages;
    if (missing <= 0) return;
    const truncated = new FormatError('CORRUPT', `${this.path} is truncated: it has ${this.filePages} pages, the database needs ${this.pageCount}`);
    if (!this.wal || missing > this.wal.latest.size) throw truncated;
    for (let n = this.filePages + 1; n <= this.pageCount; n++) if (!this.wal.latest.has(n)) throw truncated;
  }
}
