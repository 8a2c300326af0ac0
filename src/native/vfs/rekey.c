/*
 * The one VFS operation a key change of an open connection needs (docs/rekey.md): after the re-keyed
 * copy was renamed over the database, the connection's main file is rebound to it, so the very same
 * SQLite connection (its statements, functions, settings) goes on under the new key.
 *
 * Preconditions, checked by the caller (src/rekey/db-rekey.ts): the connection holds no lock and no
 * transaction (rollback mode, idle), no other connection of this process has the file open, and
 * another connection (the copy's) holds the locks on the old and on the new file. So nothing can
 * change either file while the descriptor is swapped. SQLite then finds a new file as it would
 * after any other process changed it: its page cache is dropped by the caller (PRAGMA shrink_memory),
 * page count and schema (cookie raised by the copy) are read again at the next transaction.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

/* Sets the reserve SQLite will ask for in a later VACUUM of this file (none for a plain one). */
void ps_rekey_request_reserve(ps_file *f, int reserve) {
  if (f->db == NULL) return;
  for (int i = 0; sqlite3_db_name(f->db, i) != NULL; i++) {
    const char *schema = sqlite3_db_name(f->db, i);
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(f->db, schema, SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file != &f->base) continue;
    sqlite3_file_control(f->db, schema, SQLITE_FCNTL_RESERVE_BYTES, &reserve);
    return;
  }
}

/*
 * Reopens the platform file of `f` at its path (the new file now) and takes the key registered for
 * that path (none: plain), or `given` (a reference the file then holds) when the new key could not be
 * registered. The old descriptor is closed (the platform VFS defers the close while another connection
 * holds locks on the old file). Returns an SQLite code; on failure `f` is unchanged (and `given` the caller's).
 */
int ps_rekey_rebind(ps_file *f, ps_key *given) {
  sqlite3_vfs *root = ps_root_vfs();
  if (root == NULL || f->kind != PS_MAIN || f->name == NULL) return SQLITE_MISUSE;
  sqlite3_file *fresh = calloc(1, (size_t)root->szOsFile);
  if (fresh == NULL) return SQLITE_NOMEM;
  int out = 0;
  int rc = root->xOpen(root, f->name, fresh, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE, &out);
  if (rc != SQLITE_OK || fresh->pMethods == NULL) {
    if (fresh->pMethods) fresh->pMethods->xClose(fresh);
    free(fresh);
    sqlite3_log(SQLITE_CANTOPEN, "pageseal: rekey could not reopen %s (%d)", f->name, rc);
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  f->root->pMethods->xClose(f->root);
  memcpy(f->root, fresh, (size_t)root->szOsFile); /* the platform file holds no pointer to itself */
  free(fresh);
  ps_key *old = f->key;
  f->key = given ? given : ps_keys_acquire(f->name);
  ps_key_release(old);
  if (f->key && !given && !f->owns_reg) f->owns_reg = ps_keys_handoff_claim(f->name);
  f->key_verified = 0;
  f->reserve_done = 0;
  f->plain_checked = 0;
  f->page_size = 0;
  ps_rekey_request_reserve(f, f->key ? (int)f->key->reserve : 0);
  f->reserve_done = f->key != NULL;
  return SQLITE_OK;
}

/*
 * Drops the registration the file holds (its old key), so that the new key can be registered for the
 * path before ps_rekey_rebind; the file keeps its reference to the old key until then.
 */
void ps_rekey_disown(ps_file *f) {
  if (!f->owns_reg) return;
  f->owns_reg = 0;
  ps_keys_unregister(f->name);
}

/*
 * PRAGMA rehexkey reaching the VFS: pageseal's Database runs it before SQLite sees it (db.pragma, db.exec);
 * from anywhere else (a prepared statement, another binding) a rekey cannot run inside the statement,
 * since it rebuilds and renames the file. Refused, naming the way that works; the value is not echoed.
 */
int ps_pragma_rehexkey(char **args) {
  args[0] = sqlite3_mprintf("pageseal: PRAGMA rehexkey runs through pageseal's Database (db.pragma or db.exec, as the only "
                            "statement) or db.rekey(); nothing was changed");
  return SQLITE_ERROR;
}

/*
 * A rekey renames a new file over the database. A connection that opened the old file before and
 * reaches its first lock only after (it waited on the rekey's lock) holds a file that is gone, while
 * the -wal, -shm and -journal names now belong to the new one: letting it open them would mix two
 * databases. So a WAL or journal is not opened for a main file that is no longer the file at its
 * path (guard.c); SQLite reports SQLITE_CANTOPEN, and the connection must be opened again.
 */
int ps_main_moved(ps_file *main) {
  int moved = 0;
  if (main == NULL || main->root->pMethods == NULL) return 0;
  if (main->root->pMethods->xFileControl(main->root, SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK) return 0;
  if (moved) ps_failure_set(PS_FAIL_MOVED, main->name, 0); /* logged too; typed by explainError */
  return moved;
}
