/*
 * WAL and rollback journal of a database with a key. Headers stay plaintext; every page image is
 * encrypted exactly like a page of the database (docs/format.md, "WAL").
 *
 * WAL: 32-byte header, then frames of a 24-byte header (page number first) and the page, which SQLite
 * writes as two calls; it reads a page alone, or header and page together (recovery, checksum rewrite),
 * or 8 bytes of a frame header. Frame checksums on disk cover the stored bytes; walsum.c translates them
 * to and from the plaintext chain SQLite computes and checks.
 *
 * The rollback journal is journal.c.
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

static int write_page(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off, const ps_bind *b) {
  uint8_t *out = ps_file_scratch(f, (size_t)n);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  int bad = ps_page_seal(k, buf, out, n, b);
  if (bad) {
    ps_failure_set(bad, ps_file_db_name(f), b->pgno);
    return SQLITE_IOERR_WRITE;
  }
  return ps_root_write(f, out, n, off);
}

/* 1-based number of the frame whose header starts at `hdr_off`, for pages of n bytes. */
static uint32_t frame_number(sqlite3_int64 hdr_off, int n) {
  return (uint32_t)((hdr_off - WAL_HEADER) / (n + FRAME_HEADER)) + 1;
}

/* The header of the frame whose page starts at off: the one just written, else from disk. */
static int frame_header(ps_file *f, sqlite3_int64 off, uint8_t hdr[FRAME_HEADER]) {
  if (f->last_len == FRAME_HEADER && f->last_off == off - FRAME_HEADER) {
    memcpy(hdr, f->last_frame, FRAME_HEADER);
    return SQLITE_OK;
  }
  int rc = ps_root_read(f, hdr, FRAME_HEADER, off - FRAME_HEADER);
  return rc == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

static ps_bind frame_bind(const uint8_t *hdr, sqlite3_int64 hdr_off, int n) {
  ps_bind b = {ps_be32(hdr), ps_be32(hdr) == 1, hdr, frame_number(hdr_off, n)};
  return b;
}

int ps_wal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  int rc;
  if (n == FRAME_HEADER && off >= WAL_HEADER) {
    rc = ps_walsum_header(f, buf, off); /* held until its page, with the checksum over the stored page */
    f->last_pgno = ps_be32(buf);
    memcpy(f->last_frame, buf, FRAME_HEADER);
  } else if (is_wal_page(n, off) && ps_walsum_completes(f, n, off)) {
    rc = ps_walsum_page(f, k, buf, n, off);
  } else if ((rc = ps_walsum_flush(f)) != SQLITE_OK) {
  } else if (is_wal_page(n, off)) {
    uint8_t hdr[FRAME_HEADER]; /* a page written again in the same transaction: SQLite rewrites the checksums later */
    rc = frame_header(f, off, hdr);
    ps_bind b = frame_bind(hdr, off - FRAME_HEADER, n);
    if (rc == SQLITE_OK) rc = write_page(f, k, buf, n, off, &b);
  } else {
    rc = ps_root_write(f, buf, n, off);
  }
  f->last_off = off;
  f->last_len = n;
  return rc;
}

static int wal_page_failed(ps_file *f, int bad, uint32_t pgno) {
  ps_failure_set(bad, ps_file_db_name(f), pgno);
  return SQLITE_IOERR_AUTH;
}

/* A page read alone, Turso's format: page 1 is recognised by its stored "Turso" prefix (a random
 * ciphertext starts with those 16 bytes with probability 2^-128). */
static int read_wal_page_turso(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  ps_bind b = {0, ps_page1_prefix_ok(buf, k) == 0, NULL, 0};
  int bad = ps_page_open(k, buf, n, &b);
  if (bad == 0) return SQLITE_OK;
  uint8_t hdr[4] = {0};
  ps_root_read(f, hdr, 4, off - FRAME_HEADER);
  return wal_page_failed(f, bad, ps_be32(hdr));
}

/* A page read alone, pageseal's format: the frame header (page number, salts) is read with it, in one
 * read, since the page is bound to them. */
static int read_wal_page_bound(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  uint8_t *frame = ps_file_scratch(f, (size_t)n + FRAME_HEADER);
  if (frame == NULL) return SQLITE_IOERR_NOMEM;
  int rc = ps_root_read(f, frame, n + FRAME_HEADER, off - FRAME_HEADER);
  if (rc != SQLITE_OK) {
    memset(buf, 0, (size_t)n);
    return rc;
  }
  ps_bind b = frame_bind(frame, off - FRAME_HEADER, n);
  int bad = ps_page_open(k, frame + FRAME_HEADER, n, &b);
  memcpy(buf, frame + FRAME_HEADER, (size_t)n); /* zeros on failure */
  return bad == 0 ? SQLITE_OK : wal_page_failed(f, bad, b.pgno);
}

static int read_wal_page(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  if (k->format == PS_FORMAT_PAGESEAL) return read_wal_page_bound(f, k, buf, n, off);
  return read_wal_page_turso(f, k, buf, n, off);
}

int ps_wal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_walsum_flush(f);
  if (rc != SQLITE_OK) return rc;
  if (is_wal_page(n, off)) return read_wal_page(f, k, buf, n, off);
  if (is_wal_frame(n, off)) return ps_walsum_read_frame(f, k, buf, n, off);
  if (ps_walsum_is_sum_read(f, n, off)) return ps_walsum_read_sum(f, k, buf, off);
  return ps_root_read(f, buf, n, off);
}
