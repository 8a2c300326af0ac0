/**
 * Releases the key registration of a Database that is garbage-collected without close() (better-sqlite3
 * closes its connection then; open files keep their own reference to the key in the VFS).
 *
 * This uses the addon's finalizer (src/native/napi_collect.c) rather than a FinalizationRegistry: with
 * every Database registered, V8 promoted more per open/close cycle and grew its young generation by
 * several MiB over 20,000 cycles, which plain better-sqlite3 does not show (bench/open-close.ts). The
 * watch of a connection is dropped when it closes, so no finalizer is left queued behind it.
 */
import { install } from './install.js';
import { releaseKey } from './keys.js';

/** Token of each watched connection that still holds a key registration -> its key id. */
const holding = new Map<number, string>();
let handlerId: number | undefined;
let lastToken = 0;

function collected(token: number): void {
  const id = holding.get(token);
  if (id === undefined) return;
  holding.delete(token);
  try {
    releaseKey(install(), id);
  } catch {
    // nothing to report from a finalizer
  }
}

/** Watches `db`, which holds the key registration `keyId`; returns the watch's token. */
export function watchConnection(db: object, keyId: string): number {
  const vfs = install();
  handlerId ??= vfs.onCollected(collected);
  const token = ++lastToken; // below 2^48 for any real process (the addon refuses more)
  vfs.watchCollected(db, token, handlerId);
  holding.set(token, keyId);
  return token;
}

/** Drops the watch of `db` (closed, or no longer keyed): nothing is left to run when it is collected. */
export function unwatchConnection(db: object, token: number): void {
  holding.delete(token);
  install().unwatchCollected(db);
}
