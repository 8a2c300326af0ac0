/**
 * Open + first query + close against plain better-sqlite3, for this build and (with --base DIR) another
 * build of pageseal (DIR/dist/index.js), each in its own processes taking turns. In a process, plain and
 * pageseal cycles alternate in batches; the figure is the median over batches of pageseal / plain, in
 * CPU time (user + system, robust to other load) and wall time.
 *
 *   node .bench-out/bench/open-ab.js [--base DIR] [--runs 3] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** The child: builds the two databases, then times batches of cycles. Prints JSON. */
const CHILD = `
import BetterSqlite3 from 'better-sqlite3';
const { open } = await import(process.env.PS_DIST + '/dist/index.js');
const dir = process.env.PS_DIR; (await import("node:fs")).mkdirSync(dir, { recursive: true });
const enc = { cipher: 'aegis256', hexkey: 'ab'.repeat(32) };
const N = 200, BATCHES = 15;
const mk = (db) => { db.pragma('journal_mode = wal'); db.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, k INTEGER, p BLOB); CREATE INDEX IF NOT EXISTS tk ON t(k)'); if (!db.prepare('SELECT count(*) FROM t').pluck().get()) { const ins = db.prepare('INSERT INTO t(k, p) VALUES (?, ?)'); db.transaction(() => { for (let i = 0; i < 20000; i++) ins.run(i, Buffer.alloc(300, i)); })(); } db.close(); };
mk(new BetterSqlite3(dir + '/plain.db')); mk(open(dir + '/enc.db', { encryption: enc }));
const plain = () => { const db = new BetterSqlite3(dir + '/plain.db'); db.pragma('cache_size = -2000'); db.prepare('SELECT p FROM t WHERE id = ?').get(77); db.close(); };
const sealed = () => { const db = open(dir + '/enc.db', { encryption: enc }); db.pragma('cache_size = -2000'); db.prepare('SELECT p FROM t WHERE id = ?').get(77); db.close(); };
const time = (f) => { const c = process.cpuUsage(), t = performance.now(); for (let i = 0; i < N; i++) f(); const u = process.cpuUsage(c); return { cpu: (u.user + u.system) / N, wall: (performance.now() - t) * 1000 / N }; };
for (let i = 0; i < 50; i++) { plain(); sealed(); }
const rows = [];
for (let b = 0; b < BATCHES; b++) { const p = time(plain), s = time(sealed); rows.push({ p, s }); }
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
process.stdout.write(JSON.stringify({
  plainCpuUs: med(rows.map((r) => r.p.cpu)), sealedCpuUs: med(rows.map((r) => r.s.cpu)),
  cpuRatio: med(rows.map((r) => r.s.cpu / r.p.cpu)), wallRatio: med(rows.map((r) => r.s.wall / r.p.wall)),
}));
`;

function main(): void {
  const argv = process.argv.slice(2);
  const at = (n: string) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : undefined);
  const base = at('--base');
  const runs = Number(at('--runs') ?? 3);
  const builds = [{ name: 'this build', dist: ROOT }, ...(base ? [{ name: 'base', dist: resolve(base) }] : [])];
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-open-ab-'));
  const out = new Map<string, { cpuRatio: number; wallRatio: number; plainCpuUs: number; sealedCpuUs: number }[]>();
  try {
    for (let r = 0; r < runs; r++) {
      for (const b of builds) {
        const res = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PS_DIST: b.dist, PS_DIR: join(dir, b.name.replace(/ /g, '_')) } });
        if (res.status !== 0) throw new Error(`${b.name}: ${res.stderr}`);
        out.set(b.name, [...(out.get(b.name) ?? []), JSON.parse(res.stdout)]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const rows = builds.map((b) => {
    const xs = out.get(b.name)!;
    return { build: b.name, plainCpuUs: med(xs.map((x) => x.plainCpuUs)), sealedCpuUs: med(xs.map((x) => x.sealedCpuUs)), cpuRatio: med(xs.map((x) => x.cpuRatio)), wallRatio: med(xs.map((x) => x.wallRatio)) };
  });
  if (argv.includes('--json')) console.log(JSON.stringify({ runs, rows }));
  else for (const r of rows) console.log(`${r.build.padEnd(11)} plain ${r.plainCpuUs.toFixed(0)} µs CPU, pageseal aegis256 ${r.sealedCpuUs.toFixed(0)} µs CPU: ${r.cpuRatio.toFixed(2)}x CPU, ${r.wallRatio.toFixed(2)}x wall`);
}

main();
