/*
 * A keyed main file truncated to zero bytes beside a log that holds data. SQLite takes a database of zero
 * pages as new: it deletes its -wal (pagerOpenWalIfPresent in SQLite's pager.c) and a hot journal
 * (hasHotJournal), so every committed row in them would be lost and an empty database served. A database
 * SQLite writes is never empty beside such a log (switching to WAL writes page 1 to the main file; a
 * journal of the first transaction records an initial size of 0 pages), so the size query SQLite makes
 * first fails instead (SQLITE_IOERR_FSTAT, "empty-main"), and both files are left as they are.
 *   -wal:     more than its 32-byte header (at least part of a frame);
 *   -journal: SQLite's journal magic, an initial database size above 0 (header bytes 16..19, from
 *             fileformat2.html, "The Rollback Journal"), and no connection holding a RESERVED lock
 *             (one that does is writing the database's first transaction).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include "ps_vfs.h"

static const uint8_t JOURNAL_MAGIC[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};

static char *log_name(const ps_file *f, const char *suffix) {
  size_t len = strlen(f->name);
  char *name = malloc(len + strlen(suffix) + 1);
  if (name) {
    memcpy(name, f->name, len);
    strcpy(name + len, suffix);
  }
  return name;
}

static int wal_holds_frames(const ps_file *f) {
  char *name = log_name(f, "-wal");
  struct stat st;
  int holds = name && stat(name, &st) == 0 && st.st_size > 32;
  free(name);
  return holds;
}

static int journal_is_hot(ps_file *f) {
  char *name = log_name(f, "-journal");
  uint8_t hdr[20];
  int hot = 0;
  FILE *j = name ? fopen(name, "rb") : NULL;
  if (j && fread(hdr, 1, sizeof hdr, j) == sizeof hdr && memcmp(hdr, JOURNAL_MAGIC, 8) == 0 && ps_be32(hdr + 16) > 0) {
    int reserved = 0;
    hot = f->root->pMethods->xCheckReservedLock(f->root, &reserved) == SQLITE_OK && !reserved;
  }
  if (j) fclose(j);
  free(name);
  return hot;
}

int ps_main_file_size(ps_file *f, sqlite3_int64 *size) {
  int rc = f->root->pMethods->xFileSize(f->root, size);
  if (rc != SQLITE_OK || *size != 0 || f->name == NULL) return rc;
  if (!wal_holds_frames(f) && !journal_is_hot(f)) return SQLITE_OK;
  ps_failure_set(PS_FAIL_EMPTY_MAIN, f->name, 0);
  return SQLITE_IOERR_FSTAT;
}
