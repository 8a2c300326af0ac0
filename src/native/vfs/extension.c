/*
 * The SQLite-extension face of pageseal.node: db.loadExtension(addonPath(), 'sqlite3_pageseal_init').
 * The entry point registers the shim as the default VFS (wrapping "unix") and an auto-extension that runs
 * on every later connection; it returns SQLITE_OK_LOAD_PERMANENTLY so closing the loading connection never
 * unloads the library (docs/vfs.md).
 */
#include <pthread.h>
#include "ps_vfs.h"

__attribute__((visibility("hidden"))) const sqlite3_api_routines *sqlite3_api = 0;

static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * SQLITE_FCNTL_RESERVE_BYTES is handled inside sqlite3_file_control() and needs the connection; it must
 * run before the first write so a new database gets byte 20 = nonce + tag. An existing database keeps
 * the reserve stored in its header. f->db comes from SQLITE_FCNTL_PDB, which SQLite sends whenever a btree
 * opens (main or attached); the schema is found by its file pointer. Called from the auto-extension (main,
 * registered key), from PRAGMA cipher/hexkey (any schema), and from the first xLock of a keyed database
 * (an ATTACHed one: SQLite locks it to read its schema before anything can write to it). Inside xLock this
 * only records the reserve (the page size is unchanged, so the pager reallocates nothing).
 */
void ps_request_reserve(ps_file *f) {
  if (f->db == NULL || f->key == NULL) return;
  for (int i = 0; sqlite3_db_name(f->db, i) != NULL; i++) { /* main, temp, then attached schemas */
    const char *schema = sqlite3_db_name(f->db, i);
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(f->db, schema, SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file != &f->base) continue;
    int reserve = (int)f->key->reserve;
    sqlite3_file_control(f->db, schema, SQLITE_FCNTL_RESERVE_BYTES, &reserve);
    f->reserve_done = 1;
    return;
  }
}

/* Runs on every new connection, after its main database file is open. */
static int on_connect(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  sqlite3_file *main_file = NULL;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &main_file) != SQLITE_OK) return SQLITE_OK;
  if (main_file == NULL || main_file->pMethods != &ps_io_methods) return SQLITE_OK;
  ps_file *f = (ps_file *)main_file;
  if (f->kind != PS_MAIN) return SQLITE_OK;
  f->db = db;
  ps_request_reserve(f);
  return SQLITE_OK;
}

__attribute__((visibility("default"))) int sqlite3_pageseal_init(sqlite3 *db, char **err,
                                                                 const sqlite3_api_routines *api) {
  pthread_mutex_lock(&install_lock);
  sqlite3_api = api;
  int rc = ps_vfs_install();
  if (rc == SQLITE_OK) rc = sqlite3_auto_extension((void (*)(void))on_connect); /* a no-op when already set */
  pthread_mutex_unlock(&install_lock);
  if (rc != SQLITE_OK) {
    if (err) *err = sqlite3_mprintf("pageseal: cannot register the VFS shim");
    return rc;
  }
  return SQLITE_OK_LOAD_PERMANENTLY;
}
