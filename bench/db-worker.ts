/** One thread of the benchmark's read-heavy mix (bench/db.ts): 9 point reads to 1 single-row update. */
import { parentPort, workerData } from 'node:worker_threads';
import { COMMON_PRAGMAS, openEngine, type EngineSpec } from './db-engines.js';

const { engine, path, rows, ops, seed } = workerData as { engine: EngineSpec; path: string; rows: number; ops: number; seed: number };
let s = seed >>> 0 || 1;
const rnd = () => {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return (s >>> 0) / 0x1_0000_0000;
};
const db = openEngine(engine, path);
for (const p of COMMON_PRAGMAS) db.pragma(p);
db.pragma('busy_timeout = 10000');
const get = db.prepare('SELECT payload FROM t WHERE id = ?').pluck();
const upd = db.prepare('UPDATE t SET k = k + 1 WHERE id = ?');
const t0 = performance.now();
for (let i = 0; i < ops; i++) {
  const id = 1 + Math.floor(rnd() * rows);
  if (i % 10 === 9) upd.run(id);
  else get.get(id);
}
const ms = performance.now() - t0;
db.close();
parentPort!.postMessage(ms);
