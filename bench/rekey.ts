/**
 * Rekey throughput: rekeyFile (same reserve: a new key; different reserve: another cipher) and
 * db.rekey against the offline decryptFile + encryptFile of the same database, in MB/s of database
 * file. Each operation runs in a fresh child process whose peak resident memory is reported, so
 * runs at two sizes show whether memory grows with the database (it must not).
 *
 * Usage: npm run bench:rekey -- [--size-mb 200] [--json]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Database, decryptFile, encryptFile, rekeyFile, type EncryptionOpts, type CipherName } from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const key = (cipher: string): EncryptionOpts => ({ cipher: cipher as CipherName, hexkey: randomBytes(cipher.includes('128') ? 16 : 32).toString('hex') });

function build(path: string, k: EncryptionOpts, mb: number): void {
  const db = new Database(path, { encryption: k });
  db.pragma('journal_mode = wal');
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB); CREATE INDEX tn ON t(name)');
  const ins = db.prepare('INSERT INTO t(name, v) VALUES (?, randomblob(1000))');
  const rows = Math.ceil((mb * 1048576) / 1100);
  for (let done = 0; done < rows; done += 10000) {
    db.transaction(() => {
      for (let i = done; i < Math.min(rows, done + 10000); i++) ins.run(`name-${(i * 7919) % rows}`);
    })();
  }
  db.close();
}

/** In the child: runs one operation, prints { seconds, maxRssMiB }. Keys come in the environment. */
function child(op: string, path: string): void {
  const from = JSON.parse(process.env.BENCH_FROM!) as EncryptionOpts;
  const to = JSON.parse(process.env.BENCH_TO!) as EncryptionOpts;
  const t = performance.now();
  if (op === 'offline') {
    const plain = path + '.plain';
    const out = path + '.out';
    decryptFile(path, plain, from);
    encryptFile(plain, out, to);
    rmSync(plain);
    rmSync(out);
  } else if (op === 'file') {
    rekeyFile(path, { from, to });
  } else {
    const db = new Database(path, { encryption: from });
    db.rekey(to);
    db.close();
  }
  const seconds = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ seconds, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

function main(): void {
  const mb = arg('size-mb', 200);
  const json = process.argv.includes('--json');
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-rekey-'));
  const results: { what: string; seconds: number; mbPerS: number; maxRssMiB: number }[] = [];
  try {
    const p = join(dir, 'big.db');
    let k = key('aegis256');
    build(p, k, mb);
    const bytes = statSync(p).size;
    const self = fileURLToPath(import.meta.url);
    const run = (what: string, op: string, from: EncryptionOpts, to: EncryptionOpts): void => {
      const out = execFileSync(process.execPath, [self, '--child', op, p], { env: { ...process.env, BENCH_FROM: JSON.stringify(from), BENCH_TO: JSON.stringify(to) }, encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; maxRssMiB: number };
      results.push({ what, seconds: +r.seconds.toFixed(2), mbPerS: +(bytes / 1e6 / r.seconds).toFixed(1), maxRssMiB: r.maxRssMiB });
    };
    run('offline decryptFile + encryptFile (aegis256 -> aegis256)', 'offline', k, key('aegis256'));
    const k2 = key('aegis256');
    run('rekeyFile aegis256 -> aegis256 (new key, same reserve)', 'file', k, k2);
    k = k2;
    const k3 = key('aes256gcm');
    run('rekeyFile aegis256 -> aes256gcm (48 -> 28 reserve)', 'file', k, k3);
    run('db.rekey aes256gcm -> aegis128x4 (WAL, open connection)', 'db', k3, key('aegis128x4'));
    if (json) console.log(JSON.stringify({ sizeMB: +(bytes / 1e6).toFixed(1), results }));
    else {
      console.log(`database: ${(bytes / 1e6).toFixed(1)} MB`);
      console.log('| operation | seconds | MB/s | peak RSS of its process (MiB) |');
      console.log('|---|---|---|---|');
      for (const r of results) console.log(`| ${r.what} | ${r.seconds} | ${r.mbPerS} | ${r.maxRssMiB} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ci = process.argv.indexOf('--child');
if (ci > 0) child(process.argv[ci + 1]!, process.argv[ci + 2]!);
else main();
