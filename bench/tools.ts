/**
 * Offline tool throughput: `pageseal verify`, `decrypt` and `encrypt` on an AEGIS-encrypted database of
 * --size-mb (default 200), in MB/s and peak memory (max RSS), each tool run as its own process through
 * the CLI (the way a user runs it), median of --runs. Two sizes (a quarter and the whole) show whether
 * memory grows with the file. With --base DIR (a build of another revision: DIR/dist/cli.js), both
 * revisions run in turns on the same files, so the before/after ratio comes from the same run. Two
 * copies of the file without a cipher show the I/O floor: *copy*, plain Node fs (the same 4 MiB reads and
 * writes, fsync and rename: what a naive copy does), and *copy-wb*, the same reads written through this
 * build's own output path (src/tools/files.ts AtomicOutput: write-behind, fsync, rename), the floor of
 * this build's decrypt and encrypt.
 *
 * With --one-off N, decrypt, encrypt and the copies also run N more times each at the larger size as
 * one-off runs ("decrypt 1st"...): the previous output removed, then --pause-ms (default 5000) with no
 * writes before the run, as when a user runs a tool once. Back to back, each run writes into page-cache
 * memory the run before it just gave back; after a pause, on a virtual machine that returns idle memory
 * to its host, it writes into memory the guest must fault in again, which is much slower.
 *
 *   npm run bench:tools -- [--size-mb 200] [--runs 3] [--one-off 0] [--pause-ms 5000] [--cipher aegis256] [--base DIR] [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { open } from '../src/index.js';
import type { CipherName } from '../src/ciphers/types.js';

interface Options {
  sizeMb: number;
  runs: number;
  /** Runs of each writing tool as a one-off (after the previous output was removed and pauseMs passed), at the larger size. */
  oneOff: number;
  pauseMs: number;
  cipher: CipherName;
  base?: string;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMb: 200, runs: 3, oneOff: 0, pauseMs: 5000, cipher: 'aegis256', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size-mb') o.sizeMb = Number(argv[++i]);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--one-off') o.oneOff = Number(argv[++i]);
    else if (a === '--pause-ms') o.pauseMs = Number(argv[++i]);
    else if (a === '--cipher') o.cipher = argv[++i] as CipherName;
    else if (a === '--base') o.base = resolve(argv[++i]!);
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const DATA = join(ROOT, '.bench-data');

/** An encrypted database of about `mb` MB (made once, kept in .bench-data/ for later runs). */
function makeDb(path: string, mb: number, cipher: CipherName, hexkey: string): void {
  if (existsSync(path)) return;
  const db = open(path, { encryption: { cipher, hexkey } });
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = off');
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, payload BLOB)');
  db.exec('CREATE INDEX t_k ON t(k)');
  const ins = db.prepare('INSERT INTO t(k, payload) VALUES (?, ?)');
  const rows = Math.round((mb * 1024 * 1024) / 460);
  const blob = randomBytes(400);
  const tx = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) ins.run((i * 7919) % 1000003, blob);
  });
  for (let done = 0; done < rows; done += 20000) tx(Math.min(20000, rows - done));
  db.close();
}

interface Run {
  seconds: number;
  maxRssMb: number;
}

/** Runs the CLI's main() in a fresh process; wall time around main() and the process's max RSS. */
function runCli(cli: string, args: string[], env: Record<string, string>): Run {
  const code = `const { main } = await import(${JSON.stringify(cli)}); const t0 = performance.now(); const rc = main(${JSON.stringify(args)}, process.env, () => {}, (s) => console.error(s)); const s = (performance.now() - t0) / 1000; process.stdout.write(JSON.stringify({ rc, s, rss: process.resourceUsage().maxRSS / 1024 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { rc: number; s: number; rss: number };
  if (out.rc !== 0) throw new Error(`${args.join(' ')} exited ${out.rc}: ${r.stderr}`);
  return { seconds: out.s, maxRssMb: out.rss };
}

/**
 * The I/O floor of decrypt and encrypt: the same file copied with the same 4 MiB reads and writes, the
 * same fsync and rename, and no cipher, in a fresh process like the tools.
 */
function runCopy(input: string, output: string): Run {
  const code = `import { openSync, readSync, writeSync, fsyncSync, closeSync, renameSync } from 'node:fs';
const t0 = performance.now();
const src = openSync(${JSON.stringify(input)}, 'r'); const tmp = ${JSON.stringify(output)} + '.tmp'; const dst = openSync(tmp, 'wx', 0o600);
const buf = new Uint8Array(4 << 20); let pos = 0;
for (;;) { const n = readSync(src, buf, 0, buf.length, pos); if (n === 0) break; let w = 0; while (w < n) w += writeSync(dst, buf, w, n - w, pos + w); pos += n; }
fsyncSync(dst); closeSync(dst); closeSync(src); renameSync(tmp, ${JSON.stringify(output)});
process.stdout.write(JSON.stringify({ s: (performance.now() - t0) / 1000, rss: process.resourceUsage().maxRSS / 1024 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`copy: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { s: number; rss: number };
  return { seconds: out.s, maxRssMb: out.rss };
}

/** The copy through this build's AtomicOutput (the tools' own output path, write-behind included), no cipher. */
function runCopyWb(input: string, output: string): Run {
  const files = join(ROOT, 'dist', 'tools', 'files.js');
  const code = `import { openSync, readSync, closeSync } from 'node:fs';
const { AtomicOutput } = await import(${JSON.stringify(files)});
const t0 = performance.now();
const src = openSync(${JSON.stringify(input)}, 'r'); const out = new AtomicOutput(${JSON.stringify(output)});
const buf = new Uint8Array(4 << 20); let pos = 0;
for (;;) { const n = readSync(src, buf, 0, buf.length, pos); if (n === 0) break; out.write(buf.subarray(0, n), pos); pos += n; }
out.commit(); closeSync(src);
process.stdout.write(JSON.stringify({ s: (performance.now() - t0) / 1000, rss: process.resourceUsage().maxRSS / 1024 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`copy-wb: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { s: number; rss: number };
  return { seconds: out.s, maxRssMb: out.rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(DATA, { recursive: true });
  const hexkey = 'ab'.repeat(o.cipher.includes('128') ? 16 : 32);
  const env = { PAGESEAL_HEXKEY: hexkey };
  const impls = [{ name: 'this build', cli: join(ROOT, 'dist', 'cli.js') }, ...(o.base ? [{ name: 'base', cli: join(o.base, 'dist', 'cli.js') }] : [])];
  const rows: { impl: string; sizeMb: number; tool: string; mbPerS: number; seconds: number; maxRssMb: number; runsMs: number[] }[] = [];
  for (const mb of [Math.round(o.sizeMb / 4), o.sizeMb]) {
    const enc = join(DATA, `tools-${o.cipher}-${mb}.db`);
    makeDb(enc, mb, o.cipher, hexkey);
    const bytes = statSync(enc).size;
    const plain = join(DATA, `tools-${o.cipher}-${mb}.plain.db`);
    rmSync(plain, { force: true });
    runCli(impls[0]!.cli, ['decrypt', enc, plain, '--cipher', o.cipher], env);
    const tools: [string, (out: string) => string[]][] = [
      ['verify', () => ['verify', enc, '--cipher', o.cipher]],
      ['decrypt', (out) => ['decrypt', enc, out, '--cipher', o.cipher]],
      ['encrypt', (out) => ['encrypt', plain, out, '--cipher', o.cipher]],
      ['copy', () => []],
      ['copy-wb', () => []],
    ];
    const out = join(DATA, `out-${process.pid}.db`);
    // Rounds: each round runs every tool (every build in turn) once, starting one tool later than the
    // round before and with the builds in the other order, so no run always follows the same one (run
    // tool by tool, decrypt always came right after the read-only verify, into memory in another state).
    const measure = (set: typeof tools, runs: number, pauseMs: number, suffix: string) => {
      const samples = new Map<string, Run[]>();
      const kindsOf = (tool: string) => (tool.startsWith('copy') ? [{ name: 'no cipher', cli: '' }] : impls);
      for (let r = 0; r < runs; r++) {
        for (const [tool, args] of [...set.slice(r % set.length), ...set.slice(0, r % set.length)]) {
          for (const impl of r % 2 ? [...kindsOf(tool)].reverse() : kindsOf(tool)) {
            // The previous output is removed right before each run (not after), so every run writes into
            // page-cache memory just given back, whichever run came before it; with a pause, that memory
            // has been idle for pauseMs first (a one-off run).
            rmSync(out, { force: true });
            if (pauseMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
            const run = tool === 'copy' ? runCopy(enc, out) : tool === 'copy-wb' ? runCopyWb(enc, out) : runCli(impl.cli, args(out), env);
            const k = `${tool}\0${impl.name}`;
            samples.set(k, [...(samples.get(k) ?? []), run]);
            if (!o.json) process.stderr.write('.');
          }
        }
      }
      for (const [tool] of set) {
        for (const impl of kindsOf(tool)) {
          const s = samples.get(`${tool}\0${impl.name}`)!;
          const seconds = median(s.map((x) => x.seconds));
          const runsMs = s.map((x) => Math.round(x.seconds * 1000));
          rows.push({ impl: impl.name, sizeMb: Math.round(bytes / 1e6), tool: tool + suffix, seconds, mbPerS: bytes / 1e6 / seconds, maxRssMb: Math.max(...s.map((x) => x.maxRssMb)), runsMs });
        }
      }
    };
    measure(tools, o.runs, 0, '');
    if (mb === o.sizeMb && o.oneOff > 0) measure(tools.filter(([t]) => t !== 'verify'), o.oneOff, o.pauseMs, ' 1st');
    rmSync(plain, { force: true });
    rmSync(out, { force: true });
  }
  if (o.json) {
    console.log(JSON.stringify({ options: o, rows }, null, 2));
    return;
  }
  console.log(`\noffline tools, ${o.cipher}, median of ${o.runs} runs (MB = 10^6 bytes; a whole process each: Node start-up included in memory, not in time)\n`);
  console.log(`${'build'.padEnd(11)} ${'file MB'.padStart(8)} ${'tool'.padEnd(11)} ${'seconds'.padStart(8)} ${'MB/s'.padStart(7)} ${'max RSS MB'.padStart(11)}  runs, ms (in order)`);
  for (const r of rows) console.log(`${r.impl.padEnd(11)} ${String(r.sizeMb).padStart(8)} ${r.tool.padEnd(11)} ${r.seconds.toFixed(3).padStart(8)} ${r.mbPerS.toFixed(0).padStart(7)} ${r.maxRssMb.toFixed(0).padStart(11)}  ${r.runsMs.join(' ')}`);
}

main();
