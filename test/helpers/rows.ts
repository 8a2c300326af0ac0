/**
 * The row content used by the golden Turso files (see test/fixtures/turso-golden/MANIFEST.json,
 * "content"): table t(id INTEGER PRIMARY KEY, name TEXT, blob BLOB) with an index on name;
 * name = 'row-' || id; blob = 200 bytes, byte j = (id*31 + j*17) & 0xFF. Tests use the same rows
 * for files they write, so one hash function checks every engine's read-back.
 */
import { createHash } from 'node:crypto';

export const SCHEMA = [
  'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, blob BLOB)',
  'CREATE INDEX t_name ON t(name)',
];

export interface Row {
  id: number;
  name: string;
  blob: Uint8Array;
}

export function makeRow(id: number): Row {
  const blob = new Uint8Array(200);
  for (let j = 0; j < 200; j++) blob[j] = (id * 31 + j * 17) & 0xff;
  return { id, name: `row-${id}`, blob };
}

/** Rows first..last inclusive. */
export function makeRows(first: number, last: number): Row[] {
  const out: Row[] = [];
  for (let id = first; id <= last; id++) out.push(makeRow(id));
  return out;
}

/** The manifest's rows_sha256: SHA-256 over `${id}|${name}|${hex(blob)}\n`, rows ordered by id. */
export function rowsSha256(rows: readonly { id: number | bigint; name: string; blob: Uint8Array }[]): string {
  const h = createHash('sha256');
  const sorted = [...rows].sort((a, b) => Number(a.id) - Number(b.id));
  for (const r of sorted) h.update(`${r.id}|${r.name}|${Buffer.from(r.blob).toString('hex')}\n`, 'utf8');
  return h.digest('hex');
}

/** Hash of the expected rows 1..n. */
export function expectedRowsSha256(n: number): string {
  return rowsSha256(makeRows(1, n));
}
