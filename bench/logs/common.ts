/** Shared by the sealed-log checks: spawning the writer, killing it, reading the state back. */
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, type EncryptionOpts } from '../../src/index.js';
import { parseWalHeader, parseFrameHeader, walChecksum, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE } from '../../src/format/wal.js';

export const here = dirname(fileURLToPath(import.meta.url));
export interface Key {
  cipher: string;
  hexkey: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the writer; resolves with the ids it acknowledged once it was killed after `ms` of writing. */
export function runAndKill(path: string, key: Key, mode: string, ms: number, arg = ''): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'child.js'), path, key.cipher, mode, 'loop', arg], {
      env: { ...process.env, PAGESEAL_HEXKEY: key.hexkey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.startsWith('ready\n') && !(child as { timer?: unknown }).timer) {
        (child as { timer?: unknown }).timer = setTimeout(() => child.kill('SIGKILL'), ms);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended without being killed: ${err}`));
      resolve([...out.matchAll(/^committed (\d+)$/gm)].map((m) => Number(m[1])));
    });
  });
}

/** Stock better-sqlite3 in a process where pageseal is never loaded: a query and a close. */
export function stockQuery(path: string): string {
  const script = `const D=require('better-sqlite3');let r;try{const d=new D(process.argv[1]);try{r=JSON.stringify(d.prepare('SELECT count(*) AS n FROM sqlite_master').get())}catch(e){r='error '+(e.code||e.message)}d.close()}catch(e){r='open-error '+(e.code||e.message)}console.log(r)`;
  return execFileSync(process.execPath, ['-e', script, path], { encoding: 'utf8', cwd: join(here, '..', '..', '..') }).trim();
}

export interface Check {
  ok: boolean;
  integrity: string;
  txns: number;
  lost: number[];
  partial: number[];
}

/** Opens with pageseal: every acknowledged transaction must be there, none in part. */
export function checkAcked(path: string, key: Key, acked: number[]): Check {
  const db = open(path, { encryption: key as EncryptionOpts }); // the cipher name is checked at run time
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const counts = new Map((db.prepare('SELECT txn, count(*) AS c FROM r GROUP BY txn').all() as { txn: number; c: number }[]).map((r) => [r.txn, r.c]));
    const have = new Map((db.prepare('SELECT id, n FROM txns').all() as { id: number; n: number }[]).map((r) => [r.id, { ...r, c: counts.get(r.id) ?? 0 }]));
    const lost = acked.filter((id) => !have.has(id));
    const partial = [...have.values()].filter((r) => r.n !== r.c).map((r) => r.id);
    return { ok: integrity === 'ok' && lost.length === 0 && partial.length === 0, integrity, txns: have.size, lost, partial };
  } finally {
    db.close();
  }
}

export interface Chain {
  frames: number;
  chained: number;
}

/** Every frame of the header's generation against the chain computed over the file's bytes. */
export function walChain(path: string): Chain {
  const wal = readFileSync(path);
  const header = parseWalHeader(wal.subarray(0, WAL_HEADER_SIZE));
  if (!header) return { frames: 0, chained: 0 };
  const size = WAL_FRAME_HEADER_SIZE + header.pageSize;
  const sum = Uint32Array.of(header.checksum1, header.checksum2);
  let frames = 0;
  let chained = 0;
  let ok = true;
  for (let at = WAL_HEADER_SIZE; at + size <= wal.length; at += size) {
    const fh = parseFrameHeader(wal.subarray(at, at + WAL_FRAME_HEADER_SIZE));
    if (fh.salt1 !== header.salt1 || fh.salt2 !== header.salt2) break;
    frames++;
    walChecksum(wal.subarray(at, at + 8), header.bigEndianChecksum, sum);
    walChecksum(wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + size), header.bigEndianChecksum, sum);
    ok = ok && sum[0] === fh.checksum1 && sum[1] === fh.checksum2;
    if (ok) chained++;
  }
  return { frames, chained };
}

export const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A seeded generator (mulberry32), so a run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
