/*
 * The last authentication or format failure seen on this thread. better-sqlite3 runs SQLite on the
 * calling JavaScript thread, so after a failed statement JavaScript can read which page failed; it clears
 * the record before each call it wraps, so a record never outlives the call that made it.
 *
 * Every failure is also written to SQLite's error log (sqlite3_log, as SQLite's cksumvfs.c does for a
 * checksum fault) with the VFS name, the file and the page, so an application that set SQLITE_CONFIG_LOG
 * sees it. Paths and page numbers only: never a key.
 */
#include <string.h>
#include "ps_vfs.h"

static __thread struct {
  int kind;
  uint32_t page;
  char path[4096];
  char logged[4200]; /* the last line sent to sqlite3_log */
} last;

static const char *describe(int kind) {
  switch (kind) {
    case PS_FAIL_AUTH: return "authentication failed";
    case PS_FAIL_NOT_ENCRYPTED: return "not encrypted, but a key was given";
    case PS_FAIL_CIPHER: return "encrypted with another cipher";
    case PS_FAIL_FORMAT: return "not in the encrypted page format";
    case PS_FAIL_RESERVE: return "reserved bytes do not fit the cipher";
    case PS_FAIL_TURSO_WAL: return "WAL written by Turso (fold it first)";
    case PS_FAIL_PAGE_SIZE: return "page size does not match the header";
    case PS_FAIL_NO_KEY: return "encrypted, but no key was given";
    case PS_FAIL_KEY_INCOMPLETE: return "PRAGMA cipher or hexkey without the other: write refused";
    case PS_FAIL_RANDOM: return "the system random number generator failed: write refused";
    case PS_FAIL_TRUNCATED: return "missing: the file is shorter than the database";
    case PS_FAIL_EMPTY_MAIN: return "empty main file beside a -wal or hot journal that holds data: refused";
    case PS_FAIL_NOT_REGULAR: return "not a regular file (a FIFO or device): refused";
    case PS_FAIL_MOVED: return "replaced (re-keyed?) after this connection opened it: its logs refused";
    default: return "failure";
  }
}

void ps_failure_log(int kind, const char *path, uint32_t page) {
  int code = kind == PS_FAIL_AUTH ? SQLITE_IOERR_AUTH : kind == PS_FAIL_RANDOM ? SQLITE_IOERR_WRITE : SQLITE_IOERR;
  sqlite3_snprintf((int)sizeof last.logged, last.logged, "pageseal: %s: page %u of \"%s\"", describe(kind), page,
                   path ? path : "");
  sqlite3_log(code, "%s", last.logged);
}

const char *ps_failure_last_logged(void) { return last.logged; }

void ps_failure_set(int kind, const char *path, uint32_t page) {
  last.kind = kind;
  last.page = page;
  last.path[0] = 0;
  if (path) {
    strncpy(last.path, path, sizeof last.path - 1);
    last.path[sizeof last.path - 1] = 0;
  }
  ps_failure_log(kind, path, page);
}

int ps_failure_get(const char **path, uint32_t *page) {
  *path = last.path;
  *page = last.page;
  return last.kind;
}

void ps_failure_clear(void) { last.kind = PS_FAIL_NONE; }

const char *ps_failure_name(int kind) {
  switch (kind) {
    case PS_FAIL_AUTH: return "auth";
    case PS_FAIL_NOT_ENCRYPTED: return "not-encrypted";
    case PS_FAIL_CIPHER: return "cipher-mismatch";
    case PS_FAIL_FORMAT: return "format";
    case PS_FAIL_RESERVE: return "reserve";
    case PS_FAIL_TURSO_WAL: return "turso-wal";
    case PS_FAIL_PAGE_SIZE: return "page-size";
    case PS_FAIL_NO_KEY: return "no-key";
    case PS_FAIL_KEY_INCOMPLETE: return "key-incomplete";
    case PS_FAIL_JOURNAL: return "journal";
    case PS_FAIL_RANDOM: return "random";
    case PS_FAIL_TRUNCATED: return "truncated";
    case PS_FAIL_EMPTY_MAIN: return "empty-main";
    case PS_FAIL_FORMAT_MISMATCH: return "format-mismatch";
    case PS_FAIL_NOT_REGULAR: return "not-regular";
    case PS_FAIL_MOVED: return "moved";
    default: return "none";
  }
}
