/*
 * The last authentication or format failure seen on this thread. better-sqlite3 runs SQLite on the
 * calling JavaScript thread, so after a failed statement JavaScript can read which page failed.
 */
#include <string.h>
#include "ps_vfs.h"

static __thread struct {
  int kind;
  uint32_t page;
  char path[4096];
} last;

void ps_failure_set(int kind, const char *path, uint32_t page) {
  last.kind = kind;
  last.page = page;
  last.path[0] = 0;
  if (path) {
    strncpy(last.path, path, sizeof last.path - 1);
    last.path[sizeof last.path - 1] = 0;
  }
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
    case PS_FAIL_FORMAT_MISMATCH: return "format-mismatch";
    default: return "none";
  }
}
