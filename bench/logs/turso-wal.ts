/**
 * Live -wal interop (issue 10): for every cipher the Turso 0.7.2 binding supports, a pageseal writer in
 * WAL mode is killed with SIGKILL while its -wal holds committed frames; on a copy of the database and
 * -wal (no -shm), every frame of the -wal must carry the checksum chain computed over the file's bytes,
 * and Turso must open the copy and show every acknowledged transaction, none in part.
 *
 * Usage: npm run check:turso-wal -- [rounds per cipher, default 3]
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runAndKill, walChain } from './common.js';

const rounds = Number(process.argv[2] ?? 3);
const CIPHERS = ['aes128gcm', 'aes256gcm', 'aegis256', 'aegis256x2', 'aegis128l', 'aegis128x2', 'aegis128x4'];
const dir = mkdtempSync(join(tmpdir(), 'pageseal-turso-wal-'));
const turso = await import('@tursodatabase/database');

console.log('| cipher | kills | acknowledged transactions | -wal frames | frames matching the chain over file bytes | Turso: lost | Turso: in part |');
console.log('|---|---|---|---|---|---|---|');
let bad = 0;
for (const cipher of CIPHERS) {
  const key = { cipher, hexkey: randomBytes(cipher.startsWith('aegis128') || cipher === 'aes128gcm' ? 16 : 32).toString('hex') };
  const path = join(dir, `${cipher}.db`);
  let acked = 0;
  let frames = 0;
  let chained = 0;
  let lost = 0;
  let partial = 0;
  for (let i = 0; i < rounds; i++) {
    const ids = await runAndKill(path, key, 'wal', 150 + 100 * i, '0'); // no automatic checkpoint: rows stay in the -wal
    acked += ids.length;
    const copy = join(dir, `${cipher}-copy${i}.db`);
    copyFileSync(path, copy);
    copyFileSync(path + '-wal', copy + '-wal');
    if (statSync(copy + '-wal').size === 0) throw new Error('no live -wal');
    const c = walChain(copy + '-wal');
    frames += c.frames;
    chained += c.chained;
    const db = await turso.connect(copy, { encryption: { cipher: cipher as 'aegis256', hexkey: key.hexkey } });
    const counts = new Map(((await db.all('SELECT txn, count(*) AS c FROM r GROUP BY txn')) as { txn: number; c: number }[]).map((r) => [Number(r.txn), Number(r.c)]));
    const rows = ((await db.all('SELECT id, n FROM txns')) as { id: number; n: number }[]).map((r) => ({ ...r, c: counts.get(Number(r.id)) ?? 0 }));
    await db.close();
    const have = new Set(rows.map((r) => Number(r.id)));
    lost += ids.filter((id) => !have.has(id)).length;
    partial += rows.filter((r) => Number(r.n) !== Number(r.c)).length;
  }
  if (lost || partial || chained !== frames) bad++;
  console.log(`| ${cipher} | ${rounds} | ${acked} | ${frames} | ${chained} | ${lost} | ${partial} |`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(bad === 0 ? 0 : 1);
