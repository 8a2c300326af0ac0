/*
 * Main files shorter than the database they hold.
 *
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

/*
 * Page 1 was just read from the main file and authenticated (`page1`, n bytes, in SQLite's layout): when the
 * database size it records (header bytes 28..31) is more pages than the file holds, the file was cut short.
 * SQLite trusts that size when it is not 0 and bytes 24..27 equal 92..95 (lockBtree in SQLite's btree.c):
 * unless a -wal gives the size, it then fails with SQLITE_CORRUPT before reading any missing page, and the
 * error would say nothing of pageseal's. The read itself succeeds (SQLite decides, and a log may hold the
 * pages the file lacks: a crash during a checkpoint that grew the file); the failure is recorded, naming the
 * first missing page, so that the SQLITE_CORRUPT that follows is typed "truncated" and names the file.
 */
void ps_main_note_short(ps_file *f, const uint8_t *page1, int n) {
  uint32_t first = ps_main_first_missing(f, page1, n);
  if (first == 0) return;
  if (f->short_from == 0 || first < f->short_from) f->short_from = first;
  ps_failure_set(PS_FAIL_TRUNCATED, f->name, first);
}

/* The first page page 1 (authenticated, n bytes) counts that the file does not hold, or 0 (none, or unknown). */
uint32_t ps_main_first_missing(ps_file *f, const uint8_t *page1, int n) {
  uint32_t pages = ps_be32(page1 + 28);
  sqlite3_int64 size = 0;
  if (pages == 0 || memcmp(page1 + 24, page1 + 92, 4) != 0) return 0;
  if (f->root->pMethods->xFileSize(f->root, &size) != SQLITE_OK || (sqlite3_int64)pages <= size / n) return 0;
  return (uint32_t)(size / n) + 1;
}

/*
 * A write to a main file this connection found shorter than its database (a page past its end, or page 1
 * counting more pages than it holds). Nothing may change it: a checkpoint, above all the one SQLite runs
 * when the connection closes, would copy the -wal's pages into it at their offsets (the pages in between
 * becoming holes of zeros), extend it to the database's size and delete the -wal, turning a cut file into
 * one whose missing pages fail authentication, with the -wal gone. Refused (SQLITE_IOERR_WRITE,
 * "truncated", naming the first missing page): the file and its -wal stay as they were, for a restore or
 * `pageseal verify`.
 */
int ps_main_refuse_short(ps_file *f) {
  ps_failure_set(PS_FAIL_TRUNCATED, f->name, f->short_from);
  return SQLITE_IOERR_WRITE;
}
