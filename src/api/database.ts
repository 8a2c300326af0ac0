/**
 * `Database`: better-sqlite3's Database with an `encryption` option, and the better-sqlite3 API
 * otherwise unchanged (it is a subclass, so `instanceof` and every method work as usual).
 *
 * Differences a user can see:
 * - `prepare`, `exec` and `pragma` turn encryption failures into typed pageseal errors
 *   (AuthenticationError naming the page, FormatError); statements run through `Statement` methods
 *   are not wrapped (that would cost on every call), so use `explainError(err)` there;
 * - `close()` first checkpoints a WAL database (TRUNCATE), so the main file alone holds the data.
 */
import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { PagesealError } from '../errors.js';
import type { EncryptionOpts } from '../options.js';
import { explainError } from './explain.js';
import { install } from './install.js';
import { releaseKey } from './keys.js';
import { planOpen, type OpenPlan } from './open-plan.js';

/** better-sqlite3's options plus `encryption`. */
export interface DatabaseOptions extends BetterSqlite3.Options {
  encryption?: EncryptionOpts;
}

type BaseConstructor = new (filename?: string | Buffer, options?: BetterSqlite3.Options) => BetterSqlite3.Database;
const Base = BetterSqlite3 as unknown as BaseConstructor;
const baseClose = BetterSqlite3.prototype.close;

/**
 * A Database dropped without close() is closed by better-sqlite3 when collected; this releases its
 * key registration then too (open files keep their own reference to the key in the VFS).
 */
const collected = new FinalizationRegistry<string>((id) => {
  try {
    releaseKey(install(), id);
  } catch {
    // nothing to report from a finalizer
  }
});

/**
 * True when the -wal beside the database file SQLite opened (`canonical`, the path the key is registered
 * under) is missing or empty: it then holds no frame, and close() skips its five checkpoint statements.
 */
function walIsEmpty(canonical: string): boolean {
  try {
    return (statSync(`${canonical}-wal`, { throwIfNoEntry: false })?.size ?? 0) === 0;
  } catch {
    return false;
  }
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

export class Database extends Base {
  /** The key registration this connection holds (undefined without the encryption option). */
  #keyId: string | undefined;

  constructor(filename?: string | Buffer | number, options: DatabaseOptions = {}) {
    const plan = planOpen(filename, options);
    try {
      super(plan.filename as string | Buffer, plan.options);
    } catch (e) {
      throw plan.fail(e);
    }
    this.#keyId = plan.keyId;
    if (plan.keyId === undefined) return;
    this.#validate(plan);
    collected.register(this, plan.keyId, this);
  }

  /**
   * Reads the schema so a wrong key, cipher or format fails now, not at the first query. Preparing a
   * statement that names sqlite_schema loads (and so authenticates) every page of the schema; running
   * it would read them again from the cache, so it is not run.
   */
  #validate(plan: OpenPlan): void {
    try {
      super.prepare('SELECT 1 FROM sqlite_schema');
    } catch (e) {
      this.#abandon();
      throw plan.fail(e);
    }
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
    return explainError(e, this.name);
  }

  override prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(source: string): BetterSqlite3.Statement<BindParameters, Result> {
    try {
      return super.prepare<BindParameters, Result>(source);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  override exec(source: string): this {
    try {
      return super.exec(source);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  override pragma(source: string, options?: BetterSqlite3.PragmaOptions): unknown {
    try {
      return super.pragma(source, options);
    } catch (e) {
      throw this.#explain(e);
    }
  }

  /** Checkpoints (TRUNCATE) a WAL database, closes it, and drops its key registration. */
  override close(): this {
    let failure: unknown;
    if (this.open && !this.readonly && !this.memory && !this.inTransaction) failure = this.#checkpoint();
    // better-sqlite3 refuses to close while a statement iterates: the connection stays open and
    // keeps its key registration (released by the close that succeeds, or when collected).
    try {
      super.close();
    } finally {
      if (!this.open) this.#release();
    }
    if (failure !== undefined) throw this.#explain(failure);
    return this;
  }

  /**
   * Returns the error of a failed checkpoint, or undefined. A busy database is not an error, nor is
   * a database this connection cannot read (no key, wrong key): there is nothing to checkpoint.
   */
  #checkpoint(): unknown {
    if (this.#keyId !== undefined && walIsEmpty(this.#keyId)) return undefined; // no frame: nothing to checkpoint
    let mode: unknown;
    try {
      mode = super.pragma('journal_mode', { simple: true });
    } catch {
      return undefined;
    }
    if (mode !== 'wal') return undefined;
    // TRUNCATE waits for readers through the busy handler: a reader holding its snapshot would
    // block close() for the whole busy timeout. The checkpoint is skipped instead of waited for.
    let timeout: unknown;
    try {
      timeout = super.pragma('busy_timeout', { simple: true });
      super.pragma('busy_timeout = 0');
      super.pragma('wal_checkpoint(TRUNCATE)');
      return undefined;
    } catch (e) {
      const code = codeOf(e);
      return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? undefined : e;
    } finally {
      if (timeout !== undefined) super.pragma(`busy_timeout = ${Number(timeout)}`); // in case the close itself is refused
    }
  }

  #release(): void {
    const id = this.#keyId;
    this.#keyId = undefined;
    collected.unregister(this);
    if (id === undefined) return;
    try {
      releaseKey(install(), id);
    } catch (e) {
      if (!(e instanceof PagesealError)) throw e;
    }
  }
}
