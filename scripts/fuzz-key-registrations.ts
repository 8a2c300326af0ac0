/**
 * Fuzz of key registration accounting (src/api/keys.ts, src/native/vfs/keys.c): random sequences of
 * opens (keyed and plain), closes, closes refused while a statement iterates, Databases dropped without
 * close(), garbage collections, wrong-key opens, db.rekey() (to another key, cipher or plain) and
 * rekeyFile() over three files, in one thread. Whatever fails is expected to fail (a rekey while another
 * connection is open, a wrong key...); what is checked is that once every connection is closed or
 * collected, no key is left registered or alive in native memory (the addon's vfsStats()), and that each
 * file still opens with the key the sequence says it has.
 *
 * Usage: npm run fuzz:keys -- [--seeds 20] [--steps 300] [--seed 1]
 * Exit code 1 on a leaked registration or key, or a file that does not open with its key.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { install, open, rekeyFile, type Database, type EncryptionOpts } from '../src/index.js';
import { loadAddon } from '../src/addon.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run fuzz:keys does)');

const CIPHERS = [
  ['aegis256', 32],
  ['aes256gcm', 32],
  ['aegis128l', 16],
] as const;

function stats(): [number, number] {
  const s = loadAddon()!.vfsStats();
  return [s.registeredPaths, s.liveKeys];
}

/** A small deterministic generator (mulberry32): the same seed replays the same sequence. */
function generator(seed: number): (n: number) => number {
  let s = seed | 0;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

async function run(seed: number, steps: number): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-fuzz-keys-'));
  const rnd = generator(seed);
  const newKey = (): EncryptionOpts => {
    const [cipher, size] = CIPHERS[rnd(CIPHERS.length)]!;
    return { cipher, hexkey: randomBytes(size).toString('hex') };
  };
  const files = [0, 1, 2].map((i) => join(dir, `f${i}.db`));
  const keys: (EncryptionOpts | null)[] = files.map(() => null); // the key each file is under (null: plain)
  const conns: { db: Database; f: number }[] = [];
  const before = stats();
  // One step in its own function: a Database it drops is not kept alive by the caller's frame.
  const step = (): boolean => {
    const op = rnd(10);
    const f = rnd(files.length);
    const path = files[f]!;
    try {
      if (op <= 2) {
        const db = keys[f] ? open(path, { encryption: keys[f]!, timeout: 0 }) : open(path, { timeout: 0 });
        db.exec('CREATE TABLE IF NOT EXISTS t(x)');
        conns.push({ db, f });
      } else if (op === 3 && conns.length) {
        conns.splice(rnd(conns.length), 1)[0]!.db.close();
      } else if (op === 4 && conns.length) {
        const c = conns[rnd(conns.length)]!;
        const to = rnd(4) === 0 ? null : newKey();
        c.db.rekey(to);
        keys[c.f] = to;
      } else if (op === 5) {
        open(path, { encryption: newKey(), timeout: 0 }).close();
      } else if (op === 6 && conns.length) {
        conns.splice(rnd(conns.length), 1); // dropped without close()
      } else if (op === 7) {
        return true;
      } else if (op === 8 && existsSync(path) && !conns.some((c) => c.f === f)) {
        const to = rnd(3) === 0 ? null : newKey();
        rekeyFile(path, { from: keys[f]!, to });
        keys[f] = to;
      } else if (op === 9 && conns.length) {
        const c = conns[rnd(conns.length)]!;
        const it = c.db.prepare('SELECT 1 UNION ALL SELECT 2').iterate();
        it.next();
        try {
          c.db.close(); // refused: a statement iterates
        } catch {
          // expected
        }
        it.return?.();
      }
    } catch {
      // many steps are refused on purpose; the accounting is checked at the end
    }
    return false;
  };
  try {
    for (let i = 0; i < steps; i++) {
      if (step()) {
        gc!();
        await settle();
      }
    }
    for (const c of conns.splice(0)) c.db.close();
    for (let i = 0; i < 10; i++) {
      gc!();
      await settle();
    }
    const after = stats();
    if (after[0] !== before[0] || after[1] !== before[1]) return `seed ${seed}: registrations/keys ${before} before, ${after} after`;
    for (let f = 0; f < files.length; f++) {
      if (!existsSync(files[f]!)) continue;
      const db = keys[f] ? open(files[f]!, { encryption: keys[f]!, readonly: true }) : open(files[f]!, { readonly: true });
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
      db.close();
    }
    return undefined;
  } catch (e) {
    return `seed ${seed}: ${(e as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  install();
  const first = arg('--seed', 1);
  const seeds = arg('--seeds', 20);
  const steps = arg('--steps', 300);
  let failed = 0;
  for (let s = first; s < first + seeds; s++) {
    const problem = await run(s, steps);
    if (problem) {
      failed++;
      process.stdout.write(`${problem}\n`);
    }
  }
  process.stdout.write(`${seeds} seeds x ${steps} steps: ${failed} failed\n`);
  process.exitCode = failed ? 1 : 0;
}

void main();
