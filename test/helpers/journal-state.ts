/** What a database opened after a crash holds, to compare with its committed state. */
import { createHash } from 'node:crypto';
import { open, type EncryptionOpts } from '../../src/index.js';

export interface State {
  integrity: string;
  rows: number;
  hash: string;
}

/** Opens `path` with pageseal and the key; the state, or the error thrown. */
export function stateOf(path: string, key: EncryptionOpts): State | { error: unknown } {
  try {
    const db = open(path, { encryption: key });
    try {
      const rows = db.prepare('SELECT id, v FROM t ORDER BY id').all() as { id: number; v: string }[];
      const hash = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
      return { integrity: String(db.pragma('integrity_check', { simple: true })), rows: rows.length, hash };
    } finally {
      db.close();
    }
  } catch (error) {
    return { error };
  }
}

/** The hash stateOf gives for the base table hot-journal-child.ts commits. */
export function baseHash(rows: number): string {
  const base = Array.from({ length: rows }, (_, k) => ({ id: k + 1, v: `base-${k + 1}-` + 'x'.repeat(200) }));
  return createHash('sha256').update(JSON.stringify(base)).digest('hex');
}
