/*
 * WAL and rollback journal of a database with a key. Headers stay plaintext; every page image is
 * encrypted exactly like a page of the database (docs/format.md, "WAL").
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
  if (is_wal_page(n, off)) {
    uint8_t hdr[FRAME_HEADER];
    rc = frame_header(f, off, hdr);
    ps_bind b = frame_bind(hdr, off - FRAME_HEADER, n);
    if (rc == SQLITE_OK) rc = write_page(f, k, buf, n, off, &b);
  } else {
    rc = ps_root_write(f, buf, n, off);
    if (n == FRAME_HEADER) memcpy(f->last_frame, buf, FRAME_HEADER);
  }
  f->last_off = off;
  f->last_len = n;
  return rc;
}

static int read_frame(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  ps_bind b = frame_bind(buf, off, n - FRAME_HEADER);
  ps_page_open(k, buf + FRAME_HEADER, n - FRAME_HEADER, &b); /* zeroed on failure */
  return SQLITE_OK;
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

int ps_wal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  if (is_wal_page(n, off)) {
    if (k->format == PS_FORMAT_PAGESEAL) return read_wal_page_bound(f, k, buf, n, off);
    return read_wal_page_turso(f, k, buf, n, off);
  }
  if (is_wal_frame(n, off)) return read_frame(f, k, buf, n, off);
  return ps_root_read(f, buf, n, off);
}

/* ---- rollback journal ---- */
static int journal_page_size_ok(ps_file *f, int n) {
  return ps_is_page_size(n) && (f->main == NULL || f->main->page_size == 0 || f->main->page_size == n);
}

int ps_journal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  int page = journal_page_size_ok(f, n) && f->last_len == 4 && f->last_off + 4 == off;
  ps_bind b = {f->last_pgno, 0, NULL, 0}; /* a page image is sealed as its database page (not page 1's layout) */
  int rc = page ? write_page(f, k, buf, n, off, &b) : ps_root_write(f, buf, n, off);
  if (n == 4) f->last_pgno = ps_be32(buf);
  f->last_off = off;
  f->last_len = n;
  return rc;
}

int ps_journal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (!journal_page_size_ok(f, n)) return rc;
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  uint8_t hdr[4] = {0}; /* the record's page number, just before the image */
  if (off >= 4 && ps_root_read(f, hdr, 4, off - 4) != SQLITE_OK) memset(hdr, 0, 4);
  ps_bind b = {ps_be32(hdr), 0, NULL, 0};
  int bad = ps_page_open(k, buf, n, &b);
  if (bad == 0) return SQLITE_OK;
  ps_failure_set(bad, ps_file_db_name(f), ps_be32(hdr));
  return SQLITE_IOERR_AUTH;
}
