/*
 * Checks made when SQLite opens a WAL or rollback journal, before it recovers or plays it back. If SQLite
 * could not read the log, it would find no valid frame or record: closing the connection would then
 * checkpoint nothing and delete a WAL full of committed frames, and a hot journal would stop playing back
 * at its first record, leaving a torn transaction. So the open is refused (SQLITE_CANTOPEN, with the reason
 * in lastFailure) when:
 *   - the database is in Turso's format and this connection has no key ("no-key");
 *   - the key does not open page 1 of the database, or the WAL's first frame when the database file is
 *     still empty ("auth", "cipher-mismatch", "not-encrypted", "format"); a page 1 that fails
 *     authentication is accepted when the log's first page opens with the key (page 1 torn by a crash).
 *   - a hot journal (header magic set) is damaged, truncated or altered ("journal"): journal.c checks all
 *     of it before SQLite plays any of it back.
 * A -wal written by Turso (checksums over the stored pages) is read as it is: walsum.c.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

static int refuse(int kind, const char *path, uint32_t page) {
  ps_failure_set(kind, path, page);
  return SQLITE_CANTOPEN;
}

static int main_is_turso(ps_file *main) {
  uint8_t hdr[16];
  return ps_root_read(main, hdr, sizeof hdr, 0) == SQLITE_OK &&
         (memcmp(hdr, "Turso", 5) == 0 || memcmp(hdr, "pageseal", 8) == 0);
}

/* 0 when page 1 on disk opens with k, or there is no page 1 yet (*empty set); else the failure. */
static int page1_opens(ps_file *main, ps_key *k, int *empty) {
  uint8_t *page = NULL;
  int size = 0, bad = 0;
  int rc = ps_main_page1(main, k, &page, &size, &bad);
  *empty = rc == SQLITE_IOERR_SHORT_READ;
  return rc == SQLITE_OK ? bad : 0; /* a read error will surface when SQLite reads */
}

/*
 * Page 1 failed authentication, but a page of the log opens with the key: the key is right and page 1
 * was torn by a crash while SQLite wrote it (a checkpoint copying it from the -wal, or a commit whose hot
 * journal holds its old copy). SQLite restores it from the log, as it would without encryption.
 */
static int log_proves_key(ps_file *f, ps_key *k) {
  return f->kind == PS_WAL ? ps_wal_first_frame_proves_key(f->root, k) : ps_journal_proves_key(f, k);
}

static int guard_keyed(ps_file *f, ps_key *k) {
  ps_file *main = f->main;
  if (main && !main->key_verified) {
    int empty = 0, bad = page1_opens(main, k, &empty);
    if (bad == PS_FAIL_AUTH && log_proves_key(f, k)) {
      bad = 0;
      main->key_verified = 1;
    }
    if (bad) return refuse(bad, main->name, 1);
    if (empty && f->kind == PS_WAL && (bad = ps_wal_first_frame_opens(f->root, k)) != 0) return refuse(bad, ps_file_db_name(f), 1);
  }
  if (f->kind == PS_JOURNAL) return ps_journal_verify(f, k); /* a hot journal is checked whole first */
  return SQLITE_OK;
}

int ps_guard_aux_open(ps_file *f) {
  if (ps_main_moved(f->main)) return SQLITE_CANTOPEN; /* replaced by a rekey: its logs are another file's */
  ps_key *k = ps_file_key(f);
  if (k) return guard_keyed(f, k);
  if (f->main == NULL || f->main->plain_checked) return SQLITE_OK;
  if (main_is_turso(f->main)) return refuse(PS_FAIL_NO_KEY, f->main->name, 1);
  f->main->plain_checked = 1;
  return SQLITE_OK;
}
