/**
 * Crash loop for key changes (docs/rekey.md): a child process commits rows, rekeys the database and
 * commits more, and is killed with SIGKILL at a random moment around the rekey. After each kill the
 * database must open with the old or the new key (and cipher), pass integrity_check, and hold every
 * row the child reported committed. Scenarios cover WAL and rollback (DELETE) mode, same-reserve and
 * different-reserve changes, plain to encrypted, encrypted to plain, rekeyFile and db.rekey, and
 * changes between page formats: a side is written `cipher` (Turso's format), `ps:cipher`
 * (pageseal's format, raw key) or `pp:cipher` (pageseal's format, passphrase; scrypt at N = 2^14 to
 * keep the loop quick: the parameters change the key's cost, not the copy).
 *
 * Usage: npm run crash:rekey -- [--kills 250] [--rows 20000] [--json]
 * Prints a table per scenario: runs, runs where the kill landed before the child finished, how the
 * database opened (old / new key), opened with neither (must be 0), lost committed rows (must be 0),
 * failed integrity checks (must be 0). Exit 1 if any.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Database, type EncryptionOpts, type CipherName } from '../src/index.js';

interface Scenario {
  name: string;
  journal: 'wal' | 'delete';
  from: string; // cipher or none
  to: string;
  how: 'file' | 'db';
}

const SCENARIOS: Scenario[] = [
  { name: 'plain -> aegis256, WAL, rekeyFile', journal: 'wal', from: 'none', to: 'aegis256', how: 'file' },
  { name: 'plain -> aes128gcm, DELETE, db.rekey', journal: 'delete', from: 'none', to: 'aes128gcm', how: 'db' },
  { name: 'aegis256 -> aegis256x2 (same reserve), WAL, db.rekey', journal: 'wal', from: 'aegis256', to: 'aegis256x2', how: 'db' },
  { name: 'aegis256 -> aegis256 new key, DELETE, rekeyFile', journal: 'delete', from: 'aegis256', to: 'aegis256', how: 'file' },
  { name: 'aegis256 -> aes256gcm (48 -> 28), DELETE, rekeyFile', journal: 'delete', from: 'aegis256', to: 'aes256gcm', how: 'file' },
  { name: 'aes128gcm -> aegis128l (28 -> 32), WAL, db.rekey', journal: 'wal', from: 'aes128gcm', to: 'aegis128l', how: 'db' },
  { name: 'aegis128x4 -> plain, WAL, db.rekey', journal: 'wal', from: 'aegis128x4', to: 'none', how: 'db' },
  { name: 'turso aegis256 -> pageseal passphrase aegis256, WAL, rekeyFile', journal: 'wal', from: 'aegis256', to: 'pp:aegis256', how: 'file' },
  { name: 'pageseal passphrase aes128gcm -> pageseal key aegis256 (28 -> 48), DELETE, db.rekey', journal: 'delete', from: 'pp:aes128gcm', to: 'ps:aegis256', how: 'db' },
  { name: 'pageseal key aegis128l -> turso aes256gcm (32 -> 28), WAL, db.rekey', journal: 'wal', from: 'ps:aegis128l', to: 'aes256gcm', how: 'db' },
  { name: 'pageseal passphrase aegis256 -> plain, DELETE, rekeyFile', journal: 'delete', from: 'pp:aegis256', to: 'none', how: 'file' },
];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function keyFor(side: string): EncryptionOpts | null {
  if (side === 'none') return null;
  const [kind, name] = side.includes(':') ? side.split(':') : ['turso', side];
  const cipher = name as CipherName;
  if (kind === 'pp') return { cipher, passphrase: `pass ${randomBytes(9).toString('base64')}`, format: 'pageseal', kdf: { log2N: 14 } };
  const hexkey = randomBytes(cipher.includes('128') ? 16 : 32).toString('hex');
  return kind === 'ps' ? { cipher, hexkey, format: 'pageseal' } : { cipher, hexkey };
}

/** CRASH_FROM / CRASH_TO for the child: "none", or JSON of the options (a test loop's throwaway keys). */
const env = (k: EncryptionOpts | null): string => (k ? JSON.stringify(k) : 'none');

function makeDb(path: string, s: Scenario, from: EncryptionOpts | null, rows: number): void {
  const db = from ? new Database(path, { encryption: from }) : new BetterSqlite3(path);
  db.pragma(`journal_mode = ${s.journal}`);
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); CREATE INDEX tv ON t(v)');
  const ins = db.prepare('INSERT INTO t(id, v) VALUES (?, randomblob(300))');
  db.transaction(() => {
    for (let id = 1; id <= rows; id++) ins.run(id);
  })();
  db.close();
}

interface Outcome {
  opened: 'old' | 'new' | 'neither';
  lost: number;
  integrity: boolean;
}

/** Opens with `k` and checks; null when the key does not open it. */
function check(path: string, k: EncryptionOpts | null, committed: number): Outcome | null {
  let db: Database;
  try {
    db = k ? new Database(path, { encryption: k, fileMustExist: true }) : new Database(path, { fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch {
    return null;
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) === 'ok';
    const have = db.prepare('SELECT count(*) FROM t WHERE id <= ?').pluck().get(committed) as number;
    return { opened: 'old', lost: committed - have, integrity };
  } catch {
    return { opened: 'old', lost: committed, integrity: false };
  } finally {
    db.close();
  }
}

/** Runs the child; kills it `delayMs` after it printed "go" (never when delayMs < 0). Returns the last committed id and the duration of the rekey. */
function runChild(js: string, path: string, s: Scenario, from: EncryptionOpts | null, to: EncryptionOpts | null, first: number, delayMs: number): Promise<{ committed: number; rekeyMs: number; killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [js, path, s.how, String(first)], { env: { ...process.env, CRASH_FROM: env(from), CRASH_TO: env(to) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let committed = first - 1;
    let goAt = 0;
    let rekeyMs = 0;
    let killed = false;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('c ')) committed = Number(l.slice(2));
        else if (l === 'go') {
          goAt = performance.now();
          if (delayMs >= 0) {
            setTimeout(() => {
              killed = child.kill('SIGKILL');
            }, delayMs);
          }
        } else if (l === 'done') rekeyMs = performance.now() - goAt;
      }
    });
    child.on('close', (code) => resolve({ committed, rekeyMs, killed: killed && code === null, code }));
  });
}

async function main(): Promise<void> {
  const kills = arg('kills', 250);
  const rows = arg('rows', 20000);
  const json = process.argv.includes('--json');
  const js = new URL('./crash-rekey-child.js', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-crash-rekey-'));
  const table: Record<string, { runs: number; old: number; new: number; neither: number; lost: number; integrity: number; killedBefore: number; killedAfter: number }> = {};
  try {
    // Calibrate: how long each scenario's rekey takes here.
    const spans: number[] = [];
    const calibrated: string[] = [];
    for (const s of SCENARIOS) {
      const from = keyFor(s.from);
      const to = keyFor(s.to);
      const p = join(dir, 'cal.db');
      makeDb(p, s, from, rows);
      const r = await runChild(js, p, s, from, to, rows + 1, -1);
      if (r.code !== 0) throw new Error(`calibration run of "${s.name}" failed (exit ${r.code})`);
      spans.push(r.rekeyMs);
      calibrated.push(`${s.name}: ${r.rekeyMs.toFixed(0)} ms`);
      for (const f of ['', '-wal', '-shm', '-journal']) rmSync(p + f, { force: true });
    }
    if (!json) process.stderr.write(`rekey durations: ${calibrated.join('; ')}\n`);
    for (let i = 0; i < kills; i++) {
      const si = i % SCENARIOS.length;
      const s = SCENARIOS[si]!;
      const from = keyFor(s.from);
      const to = keyFor(s.to);
      const p = join(dir, `k${i}.db`);
      makeDb(p, s, from, rows);
      // Kill anywhere from the moment the rekey starts to a little after it should have ended.
      const delay = Math.random() * spans[si]! * 1.3;
      const r = await runChild(js, p, s, from, to, rows + 1, delay);
      const t = (table[s.name] ??= { runs: 0, old: 0, new: 0, neither: 0, lost: 0, integrity: 0, killedBefore: 0, killedAfter: 0 });
      t.runs++;
      const asOld = check(p, from, r.committed);
      const asNew = asOld ? null : check(p, to, r.committed);
      const o = asOld ?? (asNew ? { ...asNew, opened: 'new' as const } : { opened: 'neither' as const, lost: 0, integrity: true });
      if (o.opened === 'old') t.old++;
      else if (o.opened === 'new') t.new++;
      else t.neither++;
      t.lost += o.lost > 0 ? o.lost : 0;
      if (!o.integrity) t.integrity++;
      if (!r.killed) t.killedAfter++;
      rmSync(p, { force: true });
      for (const f of ['-wal', '-shm', '-journal']) rmSync(p + f, { force: true });
      if (!json && (i + 1) % 25 === 0) process.stderr.write(`${i + 1}/${kills}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = Object.values(table).some((t) => t.neither || t.lost || t.integrity);
  if (json) {
    console.log(JSON.stringify({ kills, rows, table }));
  } else {
    console.log(`| scenario | runs | killed (SIGKILL landed) | opened with old key | opened with new key | neither key (must be 0) | lost committed rows (must be 0) | integrity failures (must be 0) |`);
    console.log('|---|---|---|---|---|---|---|---|');
    const sum = { runs: 0, killed: 0, old: 0, new: 0, neither: 0, lost: 0, integrity: 0 };
    for (const [name, t] of Object.entries(table)) {
      const killed = t.runs - t.killedAfter;
      console.log(`| ${name} | ${t.runs} | ${killed} | ${t.old} | ${t.new} | ${t.neither} | ${t.lost} | ${t.integrity} |`);
      sum.runs += t.runs;
      sum.killed += killed;
      sum.old += t.old;
      sum.new += t.new;
      sum.neither += t.neither;
      sum.lost += t.lost;
      sum.integrity += t.integrity;
    }
    console.log(`| **all** | ${sum.runs} | ${sum.killed} | ${sum.old} | ${sum.new} | ${sum.neither} | ${sum.lost} | ${sum.integrity} |`);
  }
  process.exitCode = bad ? 1 : 0;
}

await main();
