/**
 * `Database`: better-sqlite3's Database with an `encryption` option, and the better-sqlite3 API
 * otherwise unchanged (it is a subclass, so `instanceof` and every method work as usual).
 *
 * Differences a user can see:
 * - `prepare`, `exec` and `pragma` turn encryption failures into typed pageseal errors
 *   (AuthenticationError naming the page, FormatError); statements run through `Statement` methods
 *   are not wrapped (that would cost on every call), so use `explainError(err)` there;
 * - `serialize()` throws the typed error when a page fails, where SQLite would copy it as zeros;
 * - `close()` first checkpoints a WAL database (TRUNCATE), so the main file alone holds the data.
 */
import BetterSqlite3Class from 'better-sqlite3';
// Types through a namespace import: the emitted .d.ts then has no default import of better-sqlite3, which a
// project with module commonjs and no esModuleInterop could not compile (TS1259).
import type * as BetterSqlite3 from 'better-sqlite3';
import { FormatError, KeyNotAppliedError } from '../errors.js';
import type { EncryptionOpts } from '../options.js';
import type { CipherName } from '../ciphers/types.js';
import { explainError, failureError } from './explain.js';
import { install } from './install.js';
import { sniffDatabase } from './sniff.js';
import { planOpen, type OpenPlan } from './open-plan.js';
import { refuseAttachKey } from './attach-key.js';
import { HANDOFF_VERIFIED, type Handoff } from './keys.js';
import { keyedFilePath } from './uri.js';
import { rekeyDatabase, type RekeyOptions } from '../rekey/db-rekey.js';
import type { RekeyResult } from '../rekey/rekey-file.js';
import { rehexkeyValue } from '../rekey/rehexkey.js';
import { InvalidOptionsError } from '../errors.js';
import { applyPassphrasePragma, passphraseOf } from './passphrase-pragma.js';

/** better-sqlite3's options plus `encryption`. */
export interface DatabaseOptions extends BetterSqlite3.Options {
  encryption?: EncryptionOpts;
}

type BaseConstructor = new (filename?: string | Buffer, options?: BetterSqlite3.Options) => BetterSqlite3.Database;
const Base = BetterSqlite3Class as unknown as BaseConstructor;
const baseClose = BetterSqlite3Class.prototype.close;

/** Each wrapped call starts with no failure recorded, so an error is explained only by its own failure. */
function clearFailureRecord(): void {
  install().clearLastFailure();
}

/**
 * True when the -wal beside the database file SQLite opened (`canonical`, the path the key is registered
 * under) is missing or empty: it then holds no frame, and close() skips its five checkpoint statements.
 */
function walIsEmpty(canonical: string): boolean {
  return install().statInto(`${canonical}-wal`, walStat) === 0 || walStat[0] === 0; // statInto: no fs.Stats built
}
const walStat = new Float64Array(7);

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/** A full disk or an I/O error (not an authentication failure, which is SQLITE_IOERR_AUTH). */
function isSpaceOrIoFailure(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_FULL' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR') && code !== 'SQLITE_IOERR_AUTH');
}

/** Emits a process warning (PagesealWarning, code PAGESEAL_CHECKPOINT_FAILED) for a checkpoint close() could not do. */
function warnCheckpointFailed(path: string, err: unknown): void {
  const code = codeOf(err);
  if (err instanceof FormatError) {
    process.emitWarning(
      `close() of ${path}: the checkpoint was refused (${err.code}: ${err.message}); the connection is closed, ` +
        'nothing was written to the file and its -wal is kept as it was',
      { type: 'PagesealWarning', code: 'PAGESEAL_CHECKPOINT_FAILED' },
    );
    return;
  }
  process.emitWarning(
    `close() of ${path}: the checkpoint failed (${typeof code === 'string' ? code : 'error'}: ${(err as Error)?.message ?? String(err)}); ` +
      'the connection is closed and the committed rows are kept in the -wal, folded into the file by the next checkpoint',
    { type: 'PagesealWarning', code: 'PAGESEAL_CHECKPOINT_FAILED' },
  );
}

/** The journal mode and the busy timeout of the main database, in one row (SQLite's pragma table functions). */
const JOURNAL_MODE_AND_TIMEOUT = 'SELECT journal_mode, timeout FROM pragma_journal_mode, pragma_busy_timeout';

export class Database extends Base {
  /**
   * The canonical path of the file this connection's key is registered for (undefined without the
   * encryption option). The registration belongs to the connection's main file in the VFS, which
   * drops it when SQLite closes the file (keys.ts): close(), or better-sqlite3 collecting a
   * connection that was never closed.
   */
  #keyId: string | undefined;
  /** The file SQLite opened, when it is not `name` (a URI filename). */
  #path: string | undefined;

  constructor(filename?: string | Buffer | number, options: DatabaseOptions = {}) {
    const plan = planOpen(filename, options);
    try {
      super(plan.filename as string | Buffer, plan.options);
    } catch (e) {
      throw plan.fail(e);
    }
    this.#keyId = plan.keyId;
    this.#path = plan.path;
    if (plan.keyId === undefined) return;
    // Page 1 of the main file authenticated under the key as SQLite opened it: key, cipher and format
    // are proven, and the schema is read by the first query. Otherwise (a new file; page 1 torn by a
    // crash and restored from the log; the key not taken) the schema is read now.
    if (this.#checkKeyed(plan) !== HANDOFF_VERIFIED) this.#validate(plan);
  }

  /**
   * Reads the schema so a wrong key, cipher or format fails now, not at the first query: for a file
   * whose page 1 did not authenticate as it opened (SQLite then restores it from a -wal or hot journal
   * whose pages prove the key, docs/vfs.md).
   */
  #validate(plan: OpenPlan): void {
    try {
      super.exec('SELECT count(*) FROM sqlite_schema'); // exec: no Statement object is left per open
    } catch (e) {
      this.#abandon();
      throw plan.fail(e);
    }
  }

  /**
   * Proves the main file SQLite opened is the one the key was registered for: the VFS hands the
   * registration only to a main file this open creates at the registered path (keys.ts). A filename
   * that named another file, or another VFS, would otherwise write plaintext. Runs before anything is
   * read or written.
   */
  #checkKeyed(plan: OpenPlan): Handoff {
    const taken = plan.keyTaken();
    if (taken !== 0) return taken;
    this.#abandon();
    throw plan.fail(
      new KeyNotAppliedError(
        `${plan.path}: SQLite opened a file the key was not registered for (a URI filename, another VFS?); the connection was closed before writing`,
      ),
    );
  }

  /** Closes without checkpointing (nothing may be written to a file that failed to open). */
  #abandon(): void {
    try {
      baseClose.call(this);
    } catch {
      // already closed
    }
    this.#keyId = undefined;
  }

  #explain(e: unknown): unknown {
    return explainError(e, this.#path ?? this.name);
  }

  override prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(source: string): BetterSqlite3.Statement<BindParameters, Result> {
    refuseAttachKey(source);
    try {
      clearFailureRecord();
      return super.prepare<BindParameters, Result>(source);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  override exec(source: string): this {
    refuseAttachKey(source);
    const hex = rehexkeyValue(source, true);
    if (hex !== undefined) {
      this.#rehexkey(hex);
      return this;
    }
    try {
      clearFailureRecord();
      return super.exec(source);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  override pragma(source: string, options?: BetterSqlite3.PragmaOptions): unknown {
    const hex = rehexkeyValue(source, false);
    if (hex !== undefined) {
      this.#rehexkey(hex);
      return options?.simple ? undefined : [];
    }
    try {
      clearFailureRecord();
      const passphrase = passphraseOf(source);
      if (passphrase !== undefined) {
        applyPassphrasePragma(this.#path ?? keyedFilePath(this.name), passphrase, (s) => super.pragma(s, { simple: true }));
        return options?.simple ? undefined : [];
      }
      return super.pragma(source, options);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  /**
   * better-sqlite3's serialize(), refused with the typed error when a page failed: SQLite's
   * sqlite3_serialize copies a page it cannot read as zeros (and reports only "out of memory" when it
   * cannot read page 1), so the VFS's failure record decides. The image is wiped before it is dropped.
   */
  override serialize(options?: BetterSqlite3.SerializeOptions): Buffer {
    let image: Buffer;
    try {
      clearFailureRecord();
      image = super.serialize(options);
    } catch (e) {
      const f = install().lastFailure();
      throw f ? failureError(f) : this.#explain(e);
    }
    const f = install().lastFailure();
    if (f) {
      image.fill(0);
      throw failureError(f);
    }
    return image;
  }

  /**
   * Re-encrypts this database under `to` (a new key, cipher, or both; null: plain), in WAL or
   * rollback mode, crash-safely; this connection goes on under the new key. Refuses, changing
   * nothing, while any other connection has the file open. See docs/rekey.md.
   */
  rekey(to: EncryptionOpts | null, options?: RekeyOptions): RekeyResult {
    const { result, keyId } = rekeyDatabase(this, to, options);
    this.#keyId = keyId;
    return result;
  }

  /** PRAGMA rehexkey: the cipher in use, a new key. */
  #rehexkey(hexkey: string): void {
    const cipher = this.open ? super.pragma('cipher', { simple: true }) : undefined;
    if (typeof cipher !== 'string' || cipher === '') {
      throw new InvalidOptionsError('PRAGMA rehexkey needs a connection that has a key; to encrypt a plain database use db.rekey({ cipher, hexkey })');
    }
    // The format stays: a pageseal-format database (raw key or passphrase) gets the new raw key in
    // pageseal's format (and, being rebuilt, a new database id); a Turso-format one stays Turso's.
    const format = sniffDatabase(install().canonicalPath(this.#path ?? keyedFilePath(this.name))).kind === 'pageseal' ? 'pageseal' : 'turso';
    this.rekey({ cipher: cipher as CipherName, hexkey, format }); // the VFS reports the canonical name
  }

  /**
   * Checkpoints (TRUNCATE) a WAL database and closes it (the VFS then drops its key registration). A checkpoint
   * that fails for lack of space or an I/O error does not make close() throw once the connection is
   * closed (the rows are safe in the -wal): it emits a PagesealWarning instead.
   */
  override close(): this {
    let failure: unknown;
    if (this.open && !this.readonly && !this.memory && !this.inTransaction) failure = this.#checkpoint();
    // better-sqlite3 refuses to close while a statement iterates: the connection stays open and
    // keeps its key registration (dropped by the close that succeeds, or when collected).
    super.close();
    if (!this.open) this.#keyId = undefined;
    if (failure !== undefined) {
      // The connection is closed and every committed row is still in the -wal (a checkpoint that
      // fails leaves it whole): a full disk or an I/O error there is not the caller's to handle,
      // and better-sqlite3 users do not expect close() to throw. Anything else (a frame that did
      // not authenticate, a damaged file) is still thrown: it says the files are not as written.
      if (this.open || !isSpaceOrIoFailure(failure)) throw this.#explain(failure);
      // The VFS refuses to write into a main file it found shorter than its database (a checkpoint
      // would fill the gap with zeros and drop the -wal): the warning then says the file is damaged.
      // Not thrown: close() sits in finally blocks, where it would hide the error that said so first.
      const explained = this.#explain(failure);
      warnCheckpointFailed(this.name, explained instanceof FormatError ? explained : failure);
    }
    return this;
  }

  /**
   * Returns the error of a failed checkpoint, or undefined. A busy database is not an error, nor is
   * a database this connection cannot read (no key, wrong key): there is nothing to checkpoint.
   */
  #checkpoint(): unknown {
    if (this.#keyId !== undefined && walIsEmpty(this.#keyId)) return undefined; // no frame: nothing to checkpoint
    // One statement reads both the journal mode and the busy timeout, and the rest runs through
    // exec(), which leaves no Statement object behind: each close() used to make five, a good part
    // of the V8 heap growth over open/close cycles (bench/open-close.ts).
    let modeAndTimeout: unknown;
    try {
      modeAndTimeout = super.prepare(JOURNAL_MODE_AND_TIMEOUT).raw().get();
    } catch {
      return undefined;
    }
    const [mode, timeout] = (modeAndTimeout ?? []) as unknown[];
    if (mode !== 'wal') return undefined;
    // TRUNCATE waits for readers through the busy handler: a reader holding its snapshot would
    // block close() for the whole busy timeout. The checkpoint is skipped instead of waited for.
    let set = false;
    try {
      super.exec('PRAGMA busy_timeout = 0');
      set = true;
      super.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      return undefined;
    } catch (e) {
      const code = codeOf(e);
      return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? undefined : e;
    } finally {
      if (set) super.exec(`PRAGMA busy_timeout = ${Number(timeout)}`); // in case the close itself is refused
    }
  }
}
