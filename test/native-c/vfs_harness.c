/*
 * The VFS shim end to end without Node: SQLite (better-sqlite3's amalgamation), src/native/vfs and the cipher
 * core linked into one program, so it runs under qemu-aarch64 (scripts/test-arm64.mjs).
 *
 *   vfs_harness DIR write     for every cipher: a keyed database DIR/<cipher>.db (WAL for half of them) with
 *                             rows holding a marker string; checks it reads back, that the file starts with
 *                             "Turso" and holds no marker, and that a wrong key cannot read it
 *   vfs_harness DIR read      reopens those databases and checks every row (run it with PAGESEAL_FORCE_PORTABLE=1
 *                             after a `write` on the AES path: files written by one path open on the other)
 *
 *   vfs_harness FILE golden CIPHER_ID HEXKEY ROWS
 *                             opens a copy of a database written by the real Turso engine
 *                             (test/fixtures/turso-golden) read-only and checks its ROWS rows (id, 'row-' || id,
 *                             200 bytes (id*31 + j*17) & 0xff) and PRAGMA integrity_check
 *
 * The shim is installed as a loaded extension would be: its entry point gets the sqlite3_api_routines pointer,
 * taken here from a first auto-extension call. Exits 0 only when every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ps_aead.h"
#include "sqlite3.h"

/* From src/native/vfs (ps_vfs.h pulls in sqlite3ext.h, which this program must not see). */
int ps_keys_register(const char *canon, int cipher, const uint8_t *key, size_t len, const uint8_t *seal); /* seal NULL: Turso's format */
int ps_keys_unregister(const char *canon);
int sqlite3_pageseal_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

/* napi_rekey.c (Node-API, not built here) reports a rekey copy's progress from the VFS's write path; no
 * rekey runs in this harness, so there is nothing to report. */
struct ps_file;
void ps_rekey_on_write(struct ps_file *f, sqlite3_int64 end) {
  (void)f;
  (void)end;
}

static int failures = 0;
#define CHECK(cond, ...)                            \
  do {                                              \
    if (!(cond)) {                                  \
      failures++;                                   \
      fprintf(stderr, "FAIL line %d: ", __LINE__);  \
      fprintf(stderr, __VA_ARGS__);                 \
      fputc('\n', stderr);                          \
    }                                               \
  } while (0)

#define ROWS 300
#define MARKER "pageseal-plaintext-marker"

static const sqlite3_api_routines *api_seen;
static int grab_api(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  api_seen = api;
  return SQLITE_OK;
}

static int install(void) {
  sqlite3 *db;
  sqlite3_auto_extension((void (*)(void))grab_api);
  sqlite3_open(":memory:", &db);
  sqlite3_cancel_auto_extension((void (*)(void))grab_api);
  char *err = NULL;
  int rc = api_seen ? sqlite3_pageseal_init(db, &err, api_seen) : SQLITE_ERROR;
  sqlite3_close(db);
  return rc == SQLITE_OK || rc == SQLITE_OK_LOAD_PERMANENTLY ? 0 : -1;
}

static void key_of(int cipher, int wrong, uint8_t key[32]) {
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)(cipher * 37 + i * 11 + (wrong ? 1 : 0));
}

/* Registers the key of `cipher` for path under its canonical name (as registerKey does); returns that name. */
static char *register_key(const char *path, int cipher, int wrong) {
  sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
  char *canon = malloc((size_t)unix_vfs->mxPathname + 1);
  uint8_t key[32];
  key_of(cipher, wrong, key);
  unix_vfs->xFullPathname(unix_vfs, path, unix_vfs->mxPathname + 1, canon);
  int rc = ps_keys_register(canon, cipher, key, ps_cipher_key_size(cipher), NULL);
  CHECK(rc == 0, "%s: key registration failed (%d)", path, rc);
  return canon;
}

static int exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  sqlite3_free(err);
  return rc;
}

/* The number of rows whose body is MARKER-<id> and whose blob has its expected length, or -1 on an error. */
static int good_rows(sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT id, body, length(pad) FROM t ORDER BY id", -1, &st, NULL) != SQLITE_OK) return -1;
  int good = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char want[64];
    int id = sqlite3_column_int(st, 0);
    snprintf(want, sizeof want, MARKER "-%d", id);
    const char *body = (const char *)sqlite3_column_text(st, 1);
    if (body && strcmp(body, want) == 0 && sqlite3_column_int(st, 2) == 100 + id) good++;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? good : -1;
}

static int file_has(const char *path, const char *needle, int *turso_prefix) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  static char buf[1 << 22];
  size_t n = fread(buf, 1, sizeof buf, f), m = strlen(needle);
  fclose(f);
  *turso_prefix = n >= 5 && memcmp(buf, "Turso", 5) == 0;
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(buf + i, needle, m) == 0) return 1;
  return 0;
}

static void write_db(const char *dir, int cipher) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.db", dir, ps_cipher_name(cipher));
  remove(path);
  char *canon = register_key(path, cipher, 0);
  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK, "%s: open", path);
  if (cipher % 2 == 0) CHECK(exec(db, "PRAGMA journal_mode=wal") == SQLITE_OK, "%s: wal", path);
  CHECK(exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT, pad BLOB)") == SQLITE_OK, "%s: create", path);
  exec(db, "BEGIN");
  for (int i = 1; i <= ROWS; i++) {
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO t VALUES(%d, '" MARKER "-%d', randomblob(%d))", i, i, 100 + i);
    CHECK(exec(db, sql) == SQLITE_OK, "%s: insert %d", path, i);
  }
  CHECK(exec(db, "COMMIT") == SQLITE_OK, "%s: commit", path);
  CHECK(good_rows(db) == ROWS, "%s: rows read back before close", path);
  CHECK(sqlite3_close(db) == SQLITE_OK, "%s: close", path);
  int turso = 0;
  CHECK(file_has(path, MARKER, &turso) == 0, "%s: plaintext marker found in the file", path);
  CHECK(turso, "%s: the file does not start with Turso's header", path);
  /* The same key again, then a wrong key: no row may come back. */
  CHECK(sqlite3_open(path, &db) == SQLITE_OK && good_rows(db) == ROWS, "%s: reopen", path);
  sqlite3_close(db);
  ps_keys_unregister(canon);
  free(register_key(path, cipher, 1));
  int rc = sqlite3_open(path, &db); /* the shim checks page 1 at open: refused there, or at the first read */
  CHECK(rc != SQLITE_OK || good_rows(db) == -1, "%s: a wrong key read rows", path);
  sqlite3_close(db);
  ps_keys_unregister(canon);
  free(canon);
}

static void read_db(const char *dir, int cipher) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.db", dir, ps_cipher_name(cipher));
  char *canon = register_key(path, cipher, 0);
  sqlite3 *db;
  CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK, "%s: open", path);
  CHECK(good_rows(db) == ROWS, "%s: rows written on the other path", path);
  CHECK(exec(db, "UPDATE t SET body = body WHERE id % 7 = 0") == SQLITE_OK, "%s: update", path);
  sqlite3_close(db);
  ps_keys_unregister(canon);
  free(canon);
}

/* Turso's golden file: every row as MANIFEST.json describes it, and the b-trees intact. */
static void golden(const char *path, int cipher, const char *hexkey, int rows) {
  uint8_t key[32];
  size_t len = strlen(hexkey) / 2;
  for (size_t i = 0; i < len && i < sizeof key; i++) sscanf(hexkey + 2 * i, "%2hhx", &key[i]);
  sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
  char canon[1024];
  unix_vfs->xFullPathname(unix_vfs, path, sizeof canon, canon);
  CHECK(ps_keys_register(canon, cipher, key, len, NULL) == 0, "%s: key registration failed", path);
  sqlite3 *db;
  sqlite3_stmt *st;
  CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK, "%s: open", path);
  int seen = 0, good = 0;
  if (sqlite3_prepare_v2(db, "SELECT id, name, blob FROM t ORDER BY id", -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      int id = sqlite3_column_int(st, 0), ok = 1;
      char name[32];
      snprintf(name, sizeof name, "row-%d", id);
      const uint8_t *blob = sqlite3_column_blob(st, 2);
      ok = ok && id == seen + 1 && strcmp((const char *)sqlite3_column_text(st, 1), name) == 0;
      ok = ok && sqlite3_column_bytes(st, 2) == 200;
      for (int j = 0; ok && j < 200; j++) ok = blob[j] == (uint8_t)((id * 31 + j * 17) & 0xff);
      seen++;
      good += ok;
    }
    sqlite3_finalize(st);
  }
  CHECK(seen == rows && good == rows, "%s: %d rows, %d as expected, %d wanted", path, seen, good, rows);
  const char *verdict = NULL;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    verdict = (const char *)sqlite3_column_text(st, 0);
  CHECK(verdict && strcmp(verdict, "ok") == 0, "%s: integrity_check says %s", path, verdict ? verdict : "(nothing)");
  sqlite3_finalize(st);
  sqlite3_close(db);
  ps_keys_unregister(canon);
  printf("golden %s: %d rows, integrity %s, %d failures\n", path, seen, failures ? "?" : "ok", failures);
}

int main(int argc, char **argv) {
  int is_golden = argc == 6 && strcmp(argv[2], "golden") == 0;
  if (!is_golden && (argc != 3 || (strcmp(argv[2], "write") != 0 && strcmp(argv[2], "read") != 0))) {
    fprintf(stderr, "usage: %s DIR write|read, or %s FILE golden CIPHER_ID HEXKEY ROWS\n", argv[0], argv[0]);
    return 2;
  }
  if (install() != 0) {
    fprintf(stderr, "cannot install the VFS shim\n");
    return 1;
  }
  if (is_golden) {
    golden(argv[1], atoi(argv[3]), argv[4], atoi(argv[5]));
    return failures == 0 ? 0 : 1;
  }
  int writing = strcmp(argv[2], "write") == 0;
  for (int c = 1; c <= 8; c++) writing ? write_db(argv[1], c) : read_db(argv[1], c);
  printf("vfs %s: 8 ciphers, %d rows each, %d failures\n", argv[2], ROWS, failures);
  return failures == 0 ? 0 : 1;
}
