/**
 * `applyEncryption(connection, encryption)`: keys a better-sqlite3 connection that a driver opened
 * itself (Knex's `pool.afterCreate`, TypeORM's `prepareDatabase`), in one call that fails closed.
 *
 * Stock SQLite ignores `PRAGMA cipher`/`hexkey`, so a connection that is not under the pageseal VFS
 * would silently write plaintext after them. This helper installs the VFS, checks the file's header
 * against the cipher, sets cipher and key through the VFS's pragmas, then proves the connection is
 * keyed: the VFS must report the cipher back for this connection's main file, and page 1 (when the
 * file has one) must authenticate. Anything else throws a typed error before the connection has
 * written a byte.
 */
import type * as BetterSqlite3 from 'better-sqlite3';
import { InvalidOptionsError, PagesealError } from '../errors.js';
import { formatOf, resolveEncryption, usesPassphrase, type EncryptionOpts } from '../options.js';
import { explainError } from './explain.js';
import { install } from './install.js';
import { checkHeader } from './open-plan.js';
import { keyedFilePath } from './uri.js';

/** The part of a better-sqlite3 Database this needs (any better-sqlite3 connection has it). */
type Connection = Pick<BetterSqlite3.Database, 'pragma' | 'prepare' | 'name' | 'open' | 'memory'>;

function checkConnection(connection: unknown): Connection {
  const c = connection as Partial<Connection> | null;
  if (c === null || typeof c !== 'object' || typeof c.pragma !== 'function' || typeof c.prepare !== 'function') {
    throw new InvalidOptionsError('applyEncryption needs a better-sqlite3 Database connection');
  }
  if (c.open !== true) throw new InvalidOptionsError('applyEncryption needs an open connection');
  if (c.memory === true || !c.name || c.name.trim() === ':memory:') {
    throw new InvalidOptionsError('encryption needs a file path, not an in-memory or temporary database');
  }
  return c as Connection;
}

/** What the VFS's refusals of PRAGMA cipher/hexkey mean for a caller of applyEncryption. */
function misuse(path: string, message: string): InvalidOptionsError | null {
  if (/before the database is first read/.test(message)) {
    return new InvalidOptionsError(
      `${path}: applyEncryption must run before the connection reads the database (first thing in the driver's ` +
        'connection hook, before any query); this connection already read it, so it cannot be keyed',
    );
  }
  if (/already has a key/.test(message)) {
    return new InvalidOptionsError(`${path}: this connection already has another key (there is no rekey of an open connection)`);
  }
  return null;
}

/** Runs a pragma or query on the connection, turning its failure into pageseal's typed error. */
function typed<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw misuse(path, (e as Error)?.message ?? '') ?? explainError(e, path);
  }
}

/**
 * Installs the pageseal VFS if needed, sets `encryption`'s cipher and key on `connection` (a
 * better-sqlite3 Database opened by someone else), and proves the connection is keyed. Throws
 * InvalidKeyError / UnknownCipherError / InvalidOptionsError for bad arguments or a connection that
 * cannot be keyed (already read the file, opened before pageseal was installed, in memory),
 * FormatError for a file that is plain, of another cipher or not a database, AuthenticationError
 * for a wrong key. On any error the connection has written nothing; close it.
 */
export function applyEncryption(connection: BetterSqlite3.Database, encryption: EncryptionOpts): void {
  const conn = checkConnection(connection);
  const path = keyedFilePath(conn.name.trim()); // a URI filename: the file it names
  if (usesPassphrase(encryption)) {
    // The key derivation runs in JavaScript with the salt stored in the file: pageseal's Database does it.
    throw new InvalidOptionsError('applyEncryption takes { cipher, hexkey }: for a passphrase, open the file with pageseal (open() or Database)');
  }
  const pageseal = formatOf(encryption) === 'pageseal';
  const enc = resolveEncryption(encryption);
  try {
    install();
    checkHeader(path, encryption);
    // A new file gets pageseal's format (with a fresh database id) only when asked before the key.
    if (pageseal) typed(path, () => conn.pragma(`page_format = 'pageseal'`));
    typed(path, () => conn.pragma(`cipher = '${enc.cipher.name}'`));
    if (typed(path, () => conn.pragma('cipher', { simple: true })) !== enc.cipher.name) {
      throw new InvalidOptionsError(
        `${path}: this connection is not under the pageseal VFS (it was opened before pageseal was installed, or names ` +
          'another VFS), so it would be written in plaintext: call install() (or open()) once before the driver opens ' +
          'its first connection',
      );
    }
    const hex = Buffer.from(enc.key).toString('hex');
    typed(path, () => conn.pragma(`hexkey = '${hex}'`));
    if (typed(path, () => conn.pragma('cipher', { simple: true })) !== enc.cipher.name ||
        typed(path, () => conn.pragma('page_format', { simple: true })) !== (pageseal ? 'pageseal' : 'turso')) {
      throw new PagesealError('IO', `${path}: the pageseal VFS did not take the key`);
    }
    // Reads page 1 now (when the file has one): a wrong key or a damaged header fails here, typed.
    typed(path, () => conn.prepare('SELECT count(*) FROM sqlite_schema').pluck().get());
  } finally {
    enc.wipe();
  }
}
