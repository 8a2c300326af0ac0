/*
 * WAL and rollback journal of a database with a key. Headers stay plaintext; every page image is
 * encrypted exactly like a page of the database (../shared/turso-format.md, "WAL").
 *
 * WAL: 32-byte header, then frames of a 24-byte header (page number first) and the page, which SQLite
 * writes as two calls; it reads a page alone, or header and page together (recovery, checksum rewrite),
 * or 8 bytes of a frame header. SQLite's frame checksums cover the plaintext it wrote, and it checks them
 * over what xRead returns, so WAL files written here verify after decryption. A frame whose page fails to
 * decrypt during recovery reads back as zeros: its checksum then fails, which SQLite treats as the end of
 * the log, exactly as for a torn write.
 *
 * Journal: a header, then records of a 4-byte page number, the page, a 4-byte checksum, written as three
 * calls and read back with the same sizes. A page image is a page-sized write that follows a 4-byte write
 * ending where it starts; every page-sized read is a page image.
 *
 * Failures name the database file and the database page number (from the frame or record header).
 */
#include <string.h>
#include "ps_vfs.h"

#define WAL_HEADER 32
#define FRAME_HEADER 24

static int is_wal_page(sqlite3_int64 n, sqlite3_int64 off) {
  return ps_is_page_size(n) && off >= WAL_HEADER + FRAME_HEADER && (off - WAL_HEADER) % (n + FRAME_HEADER) == FRAME_HEADER;
}

static int is_wal_frame(sqlite3_int64 n, sqlite3_int64 off) {
  return ps_is_page_size(n - FRAME_HEADER) && off >= WAL_HEADER && (off - WAL_HEADER) % n == 0;
}

static int write_page(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off, uint32_t pgno) {
  uint8_t *out = ps_file_scratch(f, (size_t)n);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  int bad = ps_page_encrypt(k, buf, out, n, pgno == 1);
  if (bad) {
    ps_failure_set(bad, ps_file_db_name(f), pgno);
    return SQLITE_IOERR_WRITE;
  }
  return ps_root_write(f, out, n, off);
}

/* The page number of the frame whose page starts at off: from the header just written, else from disk. */
static int frame_pgno(ps_file *f, sqlite3_int64 off, uint32_t *pgno) {
  if (f->last_len == FRAME_HEADER && f->last_off == off - FRAME_HEADER) {
    *pgno = f->last_pgno;
    return SQLITE_OK;
  }
  uint8_t hdr[4];
  int rc = ps_root_read(f, hdr, 4, off - FRAME_HEADER);
  *pgno = ps_be32(hdr);
  return rc == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

int ps_wal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  int rc;
  if (is_wal_page(n, off)) {
    uint32_t pgno;
    rc = frame_pgno(f, off, &pgno);
    if (rc == SQLITE_OK) rc = write_page(f, k, buf, n, off, pgno);
  } else {
    rc = ps_root_write(f, buf, n, off);
    if (n == FRAME_HEADER) f->last_pgno = ps_be32(buf);
  }
  f->last_off = off;
  f->last_len = n;
  return rc;
}

static int read_frame(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  uint32_t pgno = ps_be32(buf);
  /* Zeroed on failure: SQLite then finds the frame's checksum wrong and ends the log there. */
  if (ps_page_decrypt(k, buf + FRAME_HEADER, n - FRAME_HEADER, pgno == 1) != 0)
    ps_failure_log(PS_FAIL_AUTH, ps_file_db_name(f), pgno);
  return SQLITE_OK;
}

/* A page read alone: page 1 is recognised by its stored "Turso" prefix (a random ciphertext starts
 * with those 16 bytes with probability 2^-128). */
static int read_wal_page(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  int bad = ps_page_decrypt(k, buf, n, ps_page1_prefix_ok(buf, k->cipher) == 0);
  if (bad == 0) return SQLITE_OK;
  uint8_t hdr[4] = {0};
  ps_root_read(f, hdr, 4, off - FRAME_HEADER);
  ps_failure_set(bad, ps_file_db_name(f), ps_be32(hdr));
  return SQLITE_IOERR_AUTH;
}

int ps_wal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  if (is_wal_page(n, off)) return read_wal_page(f, k, buf, n, off);
  if (is_wal_frame(n, off)) return read_frame(f, k, buf, n, off);
  return ps_root_read(f, buf, n, off);
}

/* ---- rollback journal ---- */
static int journal_page_size_ok(ps_file *f, int n) {
  return ps_is_page_size(n) && (f->main == NULL || f->main->page_size == 0 || f->main->page_size == n);
}

int ps_journal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  int page = journal_page_size_ok(f, n) && f->last_len == 4 && f->last_off + 4 == off;
  int rc = page ? write_page(f, k, buf, n, off, 0) : ps_root_write(f, buf, n, off);
  f->last_off = off;
  f->last_len = n;
  return rc;
}

int ps_journal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (!journal_page_size_ok(f, n)) return rc;
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  int bad = ps_page_decrypt(k, buf, n, 0);
  if (bad == 0) return SQLITE_OK;
  uint8_t hdr[4] = {0};
  if (off >= 4) ps_root_read(f, hdr, 4, off - 4);
  ps_failure_set(bad, ps_file_db_name(f), ps_be32(hdr));
  return SQLITE_IOERR_AUTH;
}
