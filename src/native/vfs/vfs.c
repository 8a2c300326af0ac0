/*
 * pageseal: a VFS shim that encrypts SQLite databases page by page, in Turso's encrypted file format.
 *
 * OVERVIEW
 *
 *   The shim registers itself as SQLite's default VFS, named "pageseal", in front of the platform VFS
 *   ("unix"). A file whose path has a registered key is encrypted: every page SQLite writes to the
 *   database, its WAL and its rollback journal is sealed with an AEAD cipher (AEGIS or AES-GCM) under a
 *   fresh random nonce, and every page read is authenticated and decrypted before SQLite sees it.
 *   Temporary files (sorter, temp tables, statement journals) are encrypted under throwaway keys once a
 *   key is registered in the process. A file without a key passes through untouched, so plain and
 *   encrypted databases live side by side in one process. SQLite's pager, b-tree, journal and WAL code run unchanged above the shim.
 *
 *   On disk: page 1 starts with "Turso", a version byte and the cipher id instead of "SQLite format 3";
 *   header bytes 16..99 stay readable; each page ends with its tag and nonce, in the space SQLite calls
 *   reserved bytes (header byte 20). docs/format.md has the layout, docs/vfs.md the design.
 *
 * USAGE (from Node.js, through better-sqlite3)
 *
 *   This file is built into pageseal.node, which is both a Node-API addon and a SQLite extension.
 *   pageseal's JavaScript require()s it, then loads it into better-sqlite3's SQLite with
 *   db.loadExtension(path, 'sqlite3_pageseal_init') (extension.c), and registers keys by path
 *   (napi_vfs.c, keys.c). Users call open() or new Database() with { encryption: { cipher, hexkey } }.
 *   A connection opened without a key can also be keyed with SQL, before its first read:
 *
 *       PRAGMA cipher='aegis256';  PRAGMA hexkey='<64 hex digits>';
 *
 *   The shim must be loaded once per process before any encrypted database is opened; it stays loaded.
 *
 * BEHAVIOUR THE USER SEES
 *
 *   - A page that fails authentication (wrong key, wrong cipher, tampered or torn bytes) is never given
 *     to SQLite: the read fails with SQLITE_IOERR_AUTH and the failure (kind, file, page) is kept per thread
 *     for JavaScript to turn into a typed error (failure.c).
 *   - A WAL or hot journal that this connection cannot read, or a WAL written by Turso (whose checksums
 *     cover ciphertext), is refused at open rather than recovered, so committed data is never dropped
 *     (guard.c, walcheck.c).
 *   - A connection given only one of PRAGMA cipher / hexkey writes nothing.
 *   - Keyed files are never memory-mapped, and report POWERSAFE_OVERWRITE without SUBPAGE_READ, so
 *     SQLite reads and writes whole pages through the shim.
 *
 * STRUCTURE
 *
 *   Each open file is a ps_file followed by the platform's own file struct. Files without a key pass
 *   every call straight through. Reads and writes of keyed files go to mainfile.c (database),
 *   auxfile.c (WAL, rollback journal) and tempfile.c (temp files); pagecrypt.c seals one page.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ps_vfs.h"

static sqlite3_vfs *root_vfs;
static sqlite3_vfs shim_vfs;
static pthread_mutex_t mains_lock = PTHREAD_MUTEX_INITIALIZER;
static ps_file *mains; /* open main database files, to find the database of a WAL or journal */
static int temp_files_encrypted;

#define ROOT(f) ((f)->root)

sqlite3_vfs *ps_root_vfs(void) { return root_vfs; }
int ps_vfs_installed(void) { return root_vfs != NULL; }
int ps_stat_temp_files(void) { return __atomic_load_n(&temp_files_encrypted, __ATOMIC_RELAXED); }

ps_key *ps_file_key(const ps_file *f) {
  if (f->kind == PS_MAIN || f->key) return f->key;
  return f->main ? f->main->key : NULL;
}

const char *ps_file_db_name(const ps_file *f) {
  if (f->kind == PS_MAIN || f->name == NULL) return f->name;
  return f->main ? f->main->name : sqlite3_filename_database(f->name);
}

uint8_t *ps_file_scratch(ps_file *f, size_t len) {
  if (f->scratch_len >= len) return f->scratch;
  uint8_t *p = malloc(len);
  if (p == NULL) return NULL;
  if (f->scratch) {
    ps_wipe(f->scratch, f->scratch_len);
    free(f->scratch);
  }
  f->scratch = p;
  f->scratch_len = len;
  return p;
}

/* ---- open main files ---- */
static void mains_add(ps_file *f) {
  pthread_mutex_lock(&mains_lock);
  f->next_main = mains;
  mains = f;
  pthread_mutex_unlock(&mains_lock);
}

static void mains_remove(ps_file *f) {
  pthread_mutex_lock(&mains_lock);
  ps_file **p = &mains;
  while (*p && *p != f) p = &(*p)->next_main;
  if (*p) *p = f->next_main;
  pthread_mutex_unlock(&mains_lock);
}

/* SQLite names a WAL or journal inside the same allocation as its database name, so
 * sqlite3_filename_database() returns the very pointer the main file was opened with. */
static ps_file *mains_find(const char *db_name) {
  pthread_mutex_lock(&mains_lock);
  ps_file *f = mains;
  while (f && f->name != db_name) f = f->next_main;
  pthread_mutex_unlock(&mains_lock);
  return f;
}

/* Open main database files named `canon` (any connection of this process; napi_rekey.c); *first gets one. */
int ps_mains_count(const char *canon, ps_file **first) {
  int n = 0;
  pthread_mutex_lock(&mains_lock);
  for (ps_file *f = mains; f; f = f->next_main) {
    if (f->name == NULL || strcmp(f->name, canon) != 0) continue;
    if (n++ == 0 && first) *first = f;
  }
  pthread_mutex_unlock(&mains_lock);
  return n;
}

/* True while `f` is an open main database file. */
int ps_mains_contains(const ps_file *f) {
  pthread_mutex_lock(&mains_lock);
  const ps_file *p = mains;
  while (p && p != f) p = p->next_main;
  pthread_mutex_unlock(&mains_lock);
  return p != NULL;
}

/*
 * The main file that took this thread's key hand-off (keys.c) in the open now running: JavaScript asks
 * right after the open whether its page 1 authenticated under the key (ps_vfs_handoff_verified). Cleared
 * when the file closes (a failed open closes it in this thread before JavaScript asks).
 */
static _Thread_local ps_file *handoff_file;

/* True when a -journal beside the main file exists and is not empty, or when that cannot be told. */
static int journal_present(const ps_file *f) {
  size_t len = strlen(f->name);
  char *name = malloc(len + sizeof "-journal");
  int exists = 1;
  if (name != NULL) {
    memcpy(name, f->name, len);
    memcpy(name + len, "-journal", sizeof "-journal");
    if (root_vfs->xAccess(root_vfs, name, SQLITE_ACCESS_EXISTS, &exists) != SQLITE_OK) exists = 1;
    free(name);
  }
  return exists;
}

/*
 * 1 when the file that took the hand-off had page 1 authenticated under the key as it opened, holds the
 * pages page 1 counts, and has no rollback journal beside it (a hot one is rolled back by the first read,
 * which JavaScript then runs at once, as it reads a file found short); 0 otherwise. Once per hand-off.
 */
int ps_vfs_handoff_verified(void) {
  ps_file *f = handoff_file;
  handoff_file = NULL;
  return f != NULL && f->key_verified && !f->page1_counts_more && !journal_present(f);
}

/* ---- io methods ---- */
static int x_close(sqlite3_file *pf) {
  ps_file *f = (ps_file *)pf;
  if (f->walsum && ROOT(f)->pMethods) ps_walsum_flush(f);
  int rc = ROOT(f)->pMethods ? ROOT(f)->pMethods->xClose(ROOT(f)) : SQLITE_OK;
  if (f->kind == PS_MAIN) mains_remove(f);
  if (handoff_file == f) handoff_file = NULL;
  ps_walsum_free(f);
  ps_journal_free(f);
  if (f->owns_reg) ps_keys_unregister(f->name);
  ps_key_release(f->key);
  if (f->scratch) {
    ps_wipe(f->scratch, f->scratch_len);
    free(f->scratch);
  }
  if (f->stream) {
    ps_stream_wipe(f->stream);
    free(f->stream);
  }
  ps_wipe(f->pending_key, sizeof f->pending_key);
  memset(f, 0, sizeof *f);
  return rc;
}

/* The database a file belongs to: itself, or the main file of a WAL or journal (NULL when unknown). */
static ps_file *main_of(ps_file *f) { return f->kind == PS_MAIN ? f : f->main; }

static int x_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off) {
  ps_file *f = (ps_file *)pf;
  if (f->kind == PS_TEMP) return ps_temp_read(f, buf, n, off);
  ps_key *k = ps_file_key(f);
  if (k == NULL) {
    /* Too late for PRAGMA hexkey once SQLite holds a page, read from the database or from its WAL
     * (page 1 and everything else may come from the WAL alone). */
    if (n >= 512 && main_of(f)) main_of(f)->page_read = 1;
    return ROOT(f)->pMethods->xRead(ROOT(f), buf, n, off);
  }
  if (f->kind == PS_MAIN) return ps_main_read(f, k, buf, n, off);
  if (f->kind == PS_WAL) return ps_wal_read(f, k, buf, n, off);
  return ps_journal_read(f, k, buf, n, off);
}

/* PRAGMA cipher or hexkey came without the other: the connection means to encrypt, so it writes nothing. */
static int key_incomplete(const ps_file *f) {
  const ps_file *m = f->kind == PS_MAIN ? f : f->main;
  return m && (m->pending_cipher || m->pending_key_len);
}

static int x_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off) {
  ps_file *f = (ps_file *)pf;
  if (f->kind == PS_TEMP) return ps_temp_write(f, buf, n, off);
  ps_rekey_on_write(f, off + n);
  ps_key *k = ps_file_key(f);
  if (k == NULL && key_incomplete(f)) {
    ps_failure_set(PS_FAIL_KEY_INCOMPLETE, ps_file_db_name(f), 0);
    return SQLITE_IOERR_WRITE;
  }
  if (k == NULL) {
    if (main_of(f)) main_of(f)->page_read = 1; /* too late for PRAGMA hexkey */
    return ROOT(f)->pMethods->xWrite(ROOT(f), buf, n, off);
  }
  if (f->kind == PS_MAIN) return ps_main_write(f, k, buf, n, off);
  if (f->kind == PS_WAL) return ps_wal_write(f, k, buf, n, off);
  return ps_journal_write(f, k, buf, n, off);
}

/* A WAL frame header held back for its page (walsum.c) goes out before anything else touches the file. */
static int x_truncate(sqlite3_file *pf, sqlite3_int64 size) {
  ps_file *f = (ps_file *)pf;
  int rc = ps_walsum_flush(f);
  if (rc == SQLITE_OK) rc = ROOT(f)->pMethods->xTruncate(ROOT(f), size);
  if (rc == SQLITE_OK && f->kind == PS_TEMP) ps_temp_truncate(f, size);
  return rc;
}
static int x_sync(sqlite3_file *pf, int flags) {
  int rc = ps_walsum_flush((ps_file *)pf);
  return rc ? rc : ROOT((ps_file *)pf)->pMethods->xSync(ROOT((ps_file *)pf), flags);
}
static int x_file_size(sqlite3_file *pf, sqlite3_int64 *size) {
  ps_file *f = (ps_file *)pf;
  int rc = ps_walsum_flush(f);
  if (rc != SQLITE_OK) return rc;
  if (f->kind == PS_MAIN && ps_file_key(f)) return ps_main_file_size(f, size);
  return ROOT(f)->pMethods->xFileSize(ROOT(f), size);
}
/* A keyed database ATTACHed by a connection gets its reserve here, on its first lock: before any write,
 * and after ATTACH has named the schema (the auto-extension only sees main databases). */
static int x_lock(sqlite3_file *pf, int level) {
  ps_file *f = (ps_file *)pf;
  if (f->kind == PS_MAIN && f->key && !f->reserve_done) ps_request_reserve(f);
  int rc = ROOT(f)->pMethods->xLock(ROOT(f), level);
  if (rc == SQLITE_OK) f->lock_level = level;
  return rc;
}
static int x_unlock(sqlite3_file *pf, int level) {
  ps_file *f = (ps_file *)pf;
  int rc = ROOT(f)->pMethods->xUnlock(ROOT(f), level);
  if (rc == SQLITE_OK) f->lock_level = level;
  return rc;
}
static int x_check_reserved_lock(sqlite3_file *pf, int *out) {
  return ROOT((ps_file *)pf)->pMethods->xCheckReservedLock(ROOT((ps_file *)pf), out);
}

static int x_file_control(sqlite3_file *pf, int op, void *arg) {
  ps_file *f = (ps_file *)pf;
  if (op == SQLITE_FCNTL_PRAGMA && f->kind == PS_MAIN) {
    int rc = ps_pragma(f, (char **)arg);
    if (rc != SQLITE_NOTFOUND) return rc;
  }
  if (op == SQLITE_FCNTL_PDB && f->kind == PS_MAIN) f->db = *(sqlite3 **)arg; /* sent when a btree opens */
  return ROOT(f)->pMethods->xFileControl(ROOT(f), op, arg);
}

static int x_sector_size(sqlite3_file *pf) {
  return ROOT((ps_file *)pf)->pMethods->xSectorSize(ROOT((ps_file *)pf));
}

/* Keyed files only (a file without a key, temp files included, reports what the platform VFS says):
 * without POWERSAFE_OVERWRITE, synchronous=FULL splits WAL page writes at sector boundaries.
 * SUBPAGE_READ (set by "unix") lets SQLite read overflow pages straight from the file, usable size at a
 * page offset: a keyed page can only be read whole (tag and nonce at its end), so it is withdrawn. */
static int x_device_characteristics(sqlite3_file *pf) {
  ps_file *f = (ps_file *)pf;
  int caps = ROOT(f)->pMethods->xDeviceCharacteristics(ROOT(f));
  if (f->kind == PS_PLAIN || f->kind == PS_TEMP || ps_file_key(f) == NULL) return caps;
  return (caps & ~SQLITE_IOCAP_SUBPAGE_READ) | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static int x_shm_map(sqlite3_file *pf, int region, int size, int extend, void volatile **pp) {
  return ROOT((ps_file *)pf)->pMethods->xShmMap(ROOT((ps_file *)pf), region, size, extend, pp);
}
static int x_shm_lock(sqlite3_file *pf, int offset, int n, int flags) {
  return ROOT((ps_file *)pf)->pMethods->xShmLock(ROOT((ps_file *)pf), offset, n, flags);
}
static void x_shm_barrier(sqlite3_file *pf) { ROOT((ps_file *)pf)->pMethods->xShmBarrier(ROOT((ps_file *)pf)); }
static int x_shm_unmap(sqlite3_file *pf, int del) {
  return ROOT((ps_file *)pf)->pMethods->xShmUnmap(ROOT((ps_file *)pf), del);
}

/* Encrypted files are never memory-mapped: SQLite then reads every page through xRead. */
static int x_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp) {
  ps_file *f = (ps_file *)pf;
  *pp = NULL;
  if (f->kind == PS_TEMP || ps_file_key(f) || ROOT(f)->pMethods->iVersion < 3) return SQLITE_OK;
  return ROOT(f)->pMethods->xFetch(ROOT(f), off, n, pp);
}
static int x_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p) {
  ps_file *f = (ps_file *)pf;
  if (ROOT(f)->pMethods->iVersion < 3) return SQLITE_OK;
  return ROOT(f)->pMethods->xUnfetch(ROOT(f), off, p);
}

const sqlite3_io_methods ps_io_methods = {
    3, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved_lock,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap,
    x_fetch, x_unfetch};

/* ---- xOpen ---- */
#define TEMP_FLAGS (SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_TRANSIENT_DB)

static int kind_of(const char *name, int flags) {
  if (name == NULL || (flags & TEMP_FLAGS)) return PS_TEMP;
  if (flags & SQLITE_OPEN_MAIN_DB) return PS_MAIN;
  if (flags & SQLITE_OPEN_WAL) return PS_WAL;
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return PS_JOURNAL;
  return PS_PLAIN; /* super-journal: file names only */
}

static int attach_temp(ps_file *f) {
  if (!ps_keys_ever_registered()) {
    f->kind = PS_PLAIN;
    return SQLITE_OK;
  }
  f->stream = malloc(sizeof *f->stream);
  if (f->stream == NULL) return SQLITE_NOMEM;
  if (ps_stream_init(f->stream) != 0) {
    ps_failure_set(PS_FAIL_RANDOM, NULL, 0);
    return SQLITE_CANTOPEN;
  }
  __atomic_add_fetch(&temp_files_encrypted, 1, __ATOMIC_RELAXED);
  return SQLITE_OK;
}

static int attach_aux(ps_file *f, const char *name) {
  const char *db_name = sqlite3_filename_database(name);
  f->main = mains_find(db_name);
  if (f->main == NULL) f->key = ps_keys_acquire(db_name);
  return ps_guard_aux_open(f);
}

static int attach(ps_file *f, const char *name) {
  switch (f->kind) {
    case PS_TEMP: return attach_temp(f);
    case PS_MAIN:
      f->key = ps_keys_acquire(name);
      f->owns_reg = f->key != NULL && ps_keys_handoff_claim(name);
      if (f->owns_reg) handoff_file = f;
      mains_add(f);
      return SQLITE_OK;
    case PS_WAL:
    case PS_JOURNAL: return attach_aux(f, name);
    default: return SQLITE_OK;
  }
}

/*
 * A keyed database's -wal or -journal that exists but is not a regular file (a FIFO, a device, a socket):
 * SQLite would block for ever opening or reading it (a FIFO with no writer), so it is refused before the
 * platform VFS touches it, with the reason in lastFailure ("not-regular").
 */
static int aux_not_regular(const char *name, int flags) {
  int kind = kind_of(name, flags);
  if (kind != PS_WAL && kind != PS_JOURNAL) return 0;
  const char *db_name = sqlite3_filename_database(name);
  ps_file *m = mains_find(db_name);
  ps_key *k = m ? NULL : ps_keys_acquire(db_name);
  int keyed = m ? m->key != NULL : k != NULL;
  if (k) ps_key_release(k);
  struct stat st;
  if (!keyed || stat(name, &st) != 0 || S_ISREG(st.st_mode)) return 0;
  ps_failure_set(PS_FAIL_NOT_REGULAR, name, 0);
  return 1;
}

static int x_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *pf, int flags, int *out_flags) {
  ps_file *f = (ps_file *)pf;
  memset(f, 0, sizeof *f);
  if (aux_not_regular(name, flags)) return SQLITE_CANTOPEN;
  f->root = (sqlite3_file *)&f[1];
  int rc = root_vfs->xOpen(root_vfs, name, f->root, flags, out_flags);
  if (rc != SQLITE_OK || f->root->pMethods == NULL) {
    if (f->root->pMethods) f->root->pMethods->xClose(f->root);
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  f->name = name;
  f->kind = kind_of(name, flags);
  f->base.pMethods = &ps_io_methods;
  rc = attach(f, name);
  if (rc != SQLITE_OK) {
    x_close(pf); /* leaves pMethods NULL: SQLite will not call xClose again */
  }
  return rc;
}

/* ---- the VFS object: everything but xOpen goes to the platform VFS ---- */
static int x_delete(sqlite3_vfs *v, const char *name, int sync) { return root_vfs->xDelete(root_vfs, name, sync); }
static int x_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  return root_vfs->xAccess(root_vfs, name, flags, out);
}
static int x_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out) {
  return root_vfs->xFullPathname(root_vfs, name, n, out);
}
static void *x_dlopen(sqlite3_vfs *v, const char *name) { return root_vfs->xDlOpen(root_vfs, name); }
static void x_dlerror(sqlite3_vfs *v, int n, char *msg) { root_vfs->xDlError(root_vfs, n, msg); }
static void (*x_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) { return root_vfs->xDlSym(root_vfs, h, sym); }
static void x_dlclose(sqlite3_vfs *v, void *h) { root_vfs->xDlClose(root_vfs, h); }
static int x_randomness(sqlite3_vfs *v, int n, char *out) { return root_vfs->xRandomness(root_vfs, n, out); }
static int x_sleep(sqlite3_vfs *v, int us) { return root_vfs->xSleep(root_vfs, us); }
static int x_current_time(sqlite3_vfs *v, double *t) { return root_vfs->xCurrentTime(root_vfs, t); }
static int x_get_last_error(sqlite3_vfs *v, int n, char *msg) { return root_vfs->xGetLastError(root_vfs, n, msg); }
static int x_current_time64(sqlite3_vfs *v, sqlite3_int64 *t) {
  return root_vfs->xCurrentTimeInt64(root_vfs, t);
}
static int x_set_system_call(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr p) {
  return root_vfs->xSetSystemCall(root_vfs, name, p);
}
static sqlite3_syscall_ptr x_get_system_call(sqlite3_vfs *v, const char *name) {
  return root_vfs->xGetSystemCall(root_vfs, name);
}
static const char *x_next_system_call(sqlite3_vfs *v, const char *name) {
  return root_vfs->xNextSystemCall(root_vfs, name);
}

int ps_vfs_install(void) {
  if (root_vfs) return SQLITE_OK;
  sqlite3_vfs *root = sqlite3_vfs_find(NULL);
  if (root == NULL) return SQLITE_ERROR;
  if (root->iVersion < 3) return SQLITE_ERROR; /* the platform VFS of any SQLite since 3.7.6 is version 3 */
  shim_vfs = (sqlite3_vfs){3,
                           (int)((sizeof(ps_file) + 7) & ~(size_t)7) + root->szOsFile,
                           root->mxPathname,
                           NULL,
                           "pageseal",
                           NULL,
                           x_open,
                           x_delete,
                           x_access,
                           x_full_pathname,
                           x_dlopen,
                           x_dlerror,
                           x_dlsym,
                           x_dlclose,
                           x_randomness,
                           x_sleep,
                           x_current_time,
                           x_get_last_error,
                           x_current_time64,
                           x_set_system_call,
                           x_get_system_call,
                           x_next_system_call};
  root_vfs = root;
  int rc = sqlite3_vfs_register(&shim_vfs, 1);
  if (rc != SQLITE_OK) root_vfs = NULL;
  return rc;
}
