/*
 * Reads and writes of a main database file that has a key. SQLite writes whole pages at page-aligned
 * offsets and reads whole pages, except two partial reads of page 1: 100 bytes at offset 0 when a
 * connection opens, and 16 bytes at offset 24 at the start of each read transaction
 * (docs/vfs.md). Header bytes 16..99 are stored in plaintext (and authenticated with page 1),
 * so a partial read inside them is served from disk as is; any other partial read of page 1 decrypts
 * the whole page and copies the range out. A page that fails is zeroed and never reaches SQLite.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

static int fail(ps_file *f, uint8_t *buf, int n, int kind, uint32_t page) {
  memset(buf, 0, (size_t)n);
  ps_failure_set(kind, f->name, page);
  return SQLITE_IOERR_AUTH;
}

/*
 * SQLite reads a whole page only when the database (page 1's header, or the WAL's committed size) says it
 * exists, so a page the file does not fully hold was cut off: an error, never a page of zeros (SQLite
 * would take a short read for one, and answer from content that was never committed).
 */
static int read_page(ps_file *f, ps_key *k, uint8_t *buf, int n, uint32_t pgno) {
  int rc = ps_root_read(f, buf, n, (sqlite3_int64)(pgno - 1) * n);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    memset(buf, 0, (size_t)n); /* never hand SQLite partial ciphertext */
    if (f->short_from == 0 || pgno < f->short_from) f->short_from = pgno;
    ps_failure_set(PS_FAIL_TRUNCATED, f->name, pgno);
    return SQLITE_IOERR_READ;
  }
  if (rc != SQLITE_OK) return rc;
  ps_bind b = {pgno, pgno == 1, NULL, 0};
  int bad = ps_page_open(k, buf, n, &b);
  if (bad) return fail(f, buf, n, bad, pgno);
  f->page_size = n;
  f->page_read = 1;
  if (pgno == 1) {
    f->key_verified = 1;
    ps_main_note_short(f, buf, n);
  }
  return SQLITE_OK;
}

static int read_page1_once(ps_file *f, ps_key *k, uint8_t **page, int *size, int *bad) {
  uint8_t hdr[100];
  int rc = ps_root_read(f, hdr, sizeof hdr, 0);
  if (rc != SQLITE_OK) return rc; /* SQLITE_IOERR_SHORT_READ: an empty (new) file, or one too short */
  if ((*bad = ps_page1_prefix_ok(hdr, k)) != 0) return SQLITE_OK;
  if ((*size = ps_header_page_size(hdr)) == 0) {
    *bad = PS_FAIL_FORMAT;
    return SQLITE_OK;
  }
  if ((*page = ps_file_scratch(f, (size_t)*size)) == NULL) return SQLITE_IOERR_NOMEM;
  rc = ps_root_read(f, *page, *size, 0);
  if (rc == SQLITE_IOERR_SHORT_READ) *bad = PS_FAIL_TRUNCATED; /* page 1 cut short */
  else if (rc == SQLITE_OK) {
    ps_bind b = {1, 1, NULL, 0};
    *bad = ps_page_open(k, *page, *size, &b);
  }
  return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_OK : rc;
}

/*
 * Reads and decrypts page 1 from disk outside SQLite's own page reads: when a connection opens (no lock
 * held yet) or before a log is opened (a checkpoint in another process may be rewriting page 1). A torn
 * read is transient, so a failure is retried a few times before it counts. Returns an SQLite code; with
 * SQLITE_OK, *bad is 0 and *page (the file's scratch) holds page 1 of *size bytes, or *bad is PS_FAIL_*.
 */
int ps_main_page1(ps_file *f, ps_key *k, uint8_t **page, int *size, int *bad) {
  for (int attempt = 1;; attempt++) {
    *bad = 0;
    int rc = read_page1_once(f, k, page, size, bad);
    if (rc != SQLITE_OK || *bad == 0 || attempt == 4) {
      if (rc == SQLITE_OK && *bad == 0) f->key_verified = 1;
      return rc;
    }
    ps_root_vfs()->xSleep(ps_root_vfs(), 1000);
  }
}

/* True when the database's -wal or -journal exists and is not empty (the platform VFS's EXISTS test). */
static int log_present(ps_file *f) {
  static const char *const suffixes[] = {"-wal", "-journal"};
  size_t len = strlen(f->name);
  char *name = malloc(len + 9);
  int exists = 0;
  for (int i = 0; name && i < 2 && !exists; i++) {
    memcpy(name, f->name, len);
    strcpy(name + len, suffixes[i]);
    if (ps_root_vfs()->xAccess(ps_root_vfs(), name, SQLITE_ACCESS_EXISTS, &exists) != SQLITE_OK) exists = 0;
  }
  free(name);
  return exists;
}

/*
 * The 100-byte header as stored: bytes 16..99 are plaintext; Turso's prefix in bytes 0..15 is checked and
 * replaced by SQLite's magic. Used only for the read SQLite makes when a connection opens (before any
 * lock, before it looks at a log), when page 1 fails authentication but a -wal or -journal is there: a
 * crash may have torn page 1 while SQLite wrote it, and the log holds its good copy. The connection must
 * open so that SQLite can restore it; guard.c lets the log be read only once a page of it proves the key,
 * and SQLite reads page 1 whole (authenticated) before it uses anything.
 */
static int read_stored_header(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  uint8_t hdr[100];
  int rc = ps_root_read(f, hdr, sizeof hdr, 0);
  if (rc != SQLITE_OK) {
    memset(buf, 0, (size_t)n);
    return rc;
  }
  int bad = ps_page1_prefix_ok(hdr, k);
  if (bad) return fail(f, buf, n, bad, 1);
  ps_page1_header_to_sqlite(k, hdr, sizeof hdr, 0);
  memcpy(buf, hdr + off, (size_t)n);
  return SQLITE_OK;
}

static int read_page1_range(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  uint8_t *page = NULL;
  int size = 0, bad = 0;
  int rc = ps_main_page1(f, k, &page, &size, &bad);
  if (rc != SQLITE_OK) {
    memset(buf, 0, (size_t)n);
    return rc;
  }
  if (bad == PS_FAIL_AUTH && off + n <= 100 && log_present(f)) return read_stored_header(f, k, buf, n, off);
  if (bad) return fail(f, buf, n, bad, 1);
  if (off + n > size) return fail(f, buf, n, PS_FAIL_FORMAT, 1);
  memcpy(buf, page + off, (size_t)n);
  f->page_size = size;
  /* Only noted here (a log may hold what the file lacks): open() then reads the schema at once. */
  f->page1_counts_more = ps_main_first_missing(f, page, size) != 0;
  return SQLITE_OK;
}

int ps_main_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  if (ps_is_page_size(n) && off % n == 0) return read_page(f, k, buf, n, (uint32_t)(off / n) + 1);
  if (off >= 16 && off + n <= 100) { /* plaintext header bytes (pageseal's database id reads as zeros) */
    int rc = ps_root_read(f, buf, n, off);
    if (rc == SQLITE_OK) ps_page1_header_to_sqlite(k, buf, n, (int)off);
    return rc;
  }
  return read_page1_range(f, k, buf, n, off);
}

int ps_main_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  if (f->short_from) return ps_main_refuse_short(f);
  if (!ps_is_page_size(n) || off % n != 0) {
    ps_failure_set(PS_FAIL_FORMAT, f->name, 0);
    return SQLITE_IOERR_WRITE; /* SQLite only writes whole pages to a database file */
  }
  uint8_t *out = ps_file_scratch(f, (size_t)n);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  uint32_t pgno = (uint32_t)(off / n) + 1;
  ps_bind b = {pgno, pgno == 1, NULL, 0};
  int bad = ps_page_seal(k, buf, out, n, &b);
  if (bad) {
    ps_failure_set(bad, f->name, pgno);
    return SQLITE_IOERR_WRITE;
  }
  f->page_size = n;
  return ps_root_write(f, out, n, off);
}
