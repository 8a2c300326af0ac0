/**
 * Rekey throughput: rekeyFile (same reserve: a new key; different reserve: another cipher) and
 * db.rekey against the offline decryptFile + encryptFile of the same database, in MB/s of database
 * file, with the peak resident memory after each (memory must not grow with the database size).
 *
 * Usage: npm run bench:rekey -- [--size-mb 200] [--json]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Database, decryptFile, encryptFile, rekeyFile, type EncryptionOpts } from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const key = (cipher: string): EncryptionOpts => ({ cipher, hexkey: randomBytes(cipher.includes('128') ? 16 : 32).toString('hex') });
const rssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

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
    const time = (what: string, f: () => void): void => {
      const t = performance.now();
      f();
      const s = (performance.now() - t) / 1000;
      results.push({ what, seconds: +s.toFixed(2), mbPerS: +(bytes / 1e6 / s).toFixed(1), maxRssMiB: rssMiB() });
    };
    time('offline decryptFile + encryptFile (aegis256 -> aegis256)', () => {
      const plain = join(dir, 'plain.db');
      const out = join(dir, 'out.db');
      decryptFile(p, plain, k);
      encryptFile(plain, out, key('aegis256'));
      rmSync(plain);
      rmSync(out);
    });
    const k2 = key('aegis256');
    time('rekeyFile aegis256 -> aegis256 (new key, same reserve)', () => void rekeyFile(p, { from: k, to: k2 }));
    k = k2;
    const k3 = key('aes256gcm');
    time('rekeyFile aegis256 -> aes256gcm (48 -> 28 reserve)', () => void rekeyFile(p, { from: k, to: k3 }));
    const k4 = key('aegis128x4');
    time('db.rekey aes256gcm -> aegis128x4 (WAL, open connection)', () => {
      const db = new Database(p, { encryption: k3 });
      db.rekey(k4);
      db.close();
    });
    if (json) console.log(JSON.stringify({ sizeMB: +(bytes / 1e6).toFixed(1), results }));
    else {
      console.log(`database: ${(bytes / 1e6).toFixed(1)} MB`);
      console.log('| operation | seconds | MB/s | peak RSS (MiB, whole process) |');
      console.log('|---|---|---|---|');
      for (const r of results) console.log(`| ${r.what} | ${r.seconds} | ${r.mbPerS} | ${r.maxRssMiB} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
