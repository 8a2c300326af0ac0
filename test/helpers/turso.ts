/**
 * Creates and reads encrypted databases with the real Turso engine (`@tursodatabase/database`, a
 * devDependency pinned to 0.7.2). Quirks of that version (docs/format.md, "Turso 0.7.2 quirks"):
 * - the `encryption` option takes canonical cipher names only, and has no aegis256x4;
 * - setting `PRAGMA page_size` on a connection opened with the `encryption` option aborts the
 *   process, so other page sizes go through `experimental: ['encryption']` + pragmas before the first write;
 * - `close()` does not checkpoint: committed data can live only in the -wal file.
 */
import { SCHEMA, makeRows, type Row } from './rows.js';

/** Ciphers the 0.7.2 binding can open (its option enum lacks aegis256x4). */
export const TURSO_CIPHERS = ['aes128gcm', 'aes256gcm', 'aegis256', 'aegis256x2', 'aegis128l', 'aegis128x2', 'aegis128x4'] as const;
export type TursoCipher = (typeof TURSO_CIPHERS)[number];

export interface TursoKey {
  cipher: string;
  hexkey: string;
}

// The package's types, loaded lazily so a missing devDependency only skips the Turso tests.
type TursoModule = typeof import('@tursodatabase/database');
type TursoDb = Awaited<ReturnType<TursoModule['connect']>>;

let mod: TursoModule | null | undefined;

/** The Turso module, or null when `@tursodatabase/database` is not installed. */
export async function loadTurso(): Promise<TursoModule | null> {
  if (mod === undefined) {
    try {
      mod = await import('@tursodatabase/database');
    } catch {
      mod = null;
    }
  }
  return mod;
}

async function turso(): Promise<TursoModule> {
  const m = await loadTurso();
  if (!m) throw new Error('@tursodatabase/database is not installed');
  return m;
}

function checkCipher(cipher: string): TursoCipher {
  if (!(TURSO_CIPHERS as readonly string[]).includes(cipher)) {
    throw new Error(`the Turso 0.7.2 binding cannot use cipher ${cipher} (canonical names only, no aegis256x4)`);
  }
  return cipher as TursoCipher;
}

/** Opens an existing encrypted database with Turso. */
export async function openTurso(path: string, key: TursoKey): Promise<TursoDb> {
  const cipher = checkCipher(key.cipher);
  return (await turso()).connect(path, { encryption: { cipher, hexkey: key.hexkey } });
}

export interface CreateOptions extends TursoKey {
  /** Page size; default 4096 (Turso's default). */
  pageSize?: number;
  /** Rows 1..rows of the golden content (default 100). */
  rows?: number;
  /** Checkpoint (TRUNCATE) before close. Default true; false leaves committed rows in the -wal. */
  checkpoint?: boolean;
  /** Rows committed after the checkpoint, left in the -wal only (ids rows+1..rows+walRows). */
  walRows?: number;
}

/** Creates a new encrypted database with Turso holding the golden rows. */
export async function createTursoDb(path: string, opts: CreateOptions): Promise<void> {
  const cipher = checkCipher(opts.cipher);
  const db = await (await turso()).connect(path, { experimental: ['encryption'] });
  try {
    // Order matters: page size and key before anything touches page 1.
    await db.exec(`PRAGMA page_size=${opts.pageSize ?? 4096}`);
    await db.exec(`PRAGMA hexkey='${opts.hexkey}'`);
    await db.exec(`PRAGMA cipher='${cipher}'`);
    for (const sql of SCHEMA) await db.exec(sql);
    const n = opts.rows ?? 100;
    await insertRows(db, makeRows(1, n));
    if (opts.checkpoint !== false) await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    if (opts.walRows) await insertRows(db, makeRows(n + 1, n + opts.walRows));
  } finally {
    await db.close();
  }
}

/** Inserts rows in one transaction. */
export async function insertRows(db: TursoDb, rows: Row[]): Promise<void> {
  const st = await db.prepare('INSERT INTO t(id, name, blob) VALUES (?, ?, ?)');
  await db.exec('BEGIN');
  for (const r of rows) await st.run(r.id, r.name, Buffer.from(r.blob));
  await db.exec('COMMIT');
}

/** Reads every row of table t with Turso (ordered by id). */
export async function readTursoRows(path: string, key: TursoKey): Promise<Row[]> {
  const db = await openTurso(path, key);
  try {
    const rows = (await db.all('SELECT id, name, blob FROM t ORDER BY id')) as { id: number; name: string; blob: Uint8Array }[];
    return rows.map((r) => ({ id: Number(r.id), name: r.name, blob: new Uint8Array(r.blob) }));
  } finally {
    await db.close();
  }
}

/** Runs `SELECT count(*)` and `PRAGMA integrity_check`-free sanity query with Turso. */
export async function tursoTableNames(path: string, key: TursoKey): Promise<string[]> {
  const db = await openTurso(path, key);
  try {
    const rows = (await db.all("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name")) as { name: string }[];
    return rows.map((r) => r.name);
  } finally {
    await db.close();
  }
}
