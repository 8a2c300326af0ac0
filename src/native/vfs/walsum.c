/*
 * WAL frame checksums over the bytes on disk (docs/logs.md, "WAL").
 *
 * On disk every frame carries SQLite's chained checksum computed over the frame as stored: its header
 * bytes 0..7 and the encrypted page, continuing from the previous frame's stored checksum (the WAL
 * header's own for frame 1). That is what Turso writes, and what WAL-shipping tools check. SQLite itself
 * computes the same chain over the plaintext pages it writes and reads, so this file translates:
 *
 * Writes. SQLite writes a frame as its 24-byte header, then its page. The header is held back; when the
 * page follows, it is encrypted and the header's checksum replaced by the chain over the ciphertext,
 * continuing from the previous frame's checksum as stored; header and page then go out in one write.
 * A header SQLite rewrites right after reading the whole frame (walRewriteChecksums, when a transaction
 * wrote a page twice) gets the chain over the page already on disk. A held header followed by anything
 * else goes out with a zero checksum: a frame without its page never verifies.
 *
 * Reads. A whole-frame read (recovery, a reader without shared memory, the checksum rewrite) returns
 * the decrypted page and, in place of the stored checksum, the plaintext chain value SQLite expects
 * when the frame is valid on disk, or a value that fails when it is not, so SQLite's own checks decide
 * exactly where the log ends. An 8-byte read of a stored checksum returns the plaintext chain value.
 * The plaintext chain value of each frame is kept per file handle, indexed by frame number together
 * with the stored value it goes with; an entry is used only while the stored value on disk still
 * matches (another process may have restarted the log), else the chain is recomputed from frame 1.
 *
 * A frame is valid when its stored checksum continues the stored chain over its stored page (this
 * release, Turso) or over its decrypted page (pageseal 0.1.0, whose WAL checksums covered the
 * plaintext; such a -wal still recovers, and frames appended to it continue the stored chain). A frame
 * valid over its ciphertext whose page fails authentication was altered, not torn: the read fails with
 * SQLITE_IOERR_AUTH rather than silently ending the log there.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

#define WAL_HDR 32
#define FRAME_HDR 24

typedef struct {
  uint32_t plain[2], disk[2];
  int valid;
} chain_entry;

struct ps_walsum {
  uint8_t held[FRAME_HDR];   /* a frame header waiting for its page */
  sqlite3_int64 held_off;    /* its offset, -1 when none */
  sqlite3_int64 read_off;    /* offset of a whole frame just read, -1 when the last call was anything else */
  chain_entry *chain;        /* index = frame number; 0 unused */
  size_t cap;
};

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void get_sum(const uint8_t *p, uint32_t s[2]) {
  s[0] = ps_be32(p);
  s[1] = ps_be32(p + 4);
}

static void put_sum(uint8_t *p, const uint32_t s[2]) {
  put_be32(p, s[0]);
  put_be32(p + 4, s[1]);
}

static struct ps_walsum *state(ps_file *f) {
  if (f->walsum == NULL) {
    f->walsum = calloc(1, sizeof *f->walsum);
    if (f->walsum) f->walsum->held_off = f->walsum->read_off = -1;
  }
  return f->walsum;
}

void ps_walsum_free(ps_file *f) {
  if (f->walsum == NULL) return;
  if (f->walsum->chain) {
    ps_wipe(f->walsum->chain, f->walsum->cap * sizeof *f->walsum->chain);
    free(f->walsum->chain);
  }
  ps_wipe(f->walsum, sizeof *f->walsum);
  free(f->walsum);
  f->walsum = NULL;
}

static void remember(struct ps_walsum *ws, sqlite3_int64 frame, const uint32_t plain[2], const uint32_t disk[2]) {
  if (frame < 1 || frame > (1 << 26)) return;
  if ((size_t)frame >= ws->cap) {
    size_t cap = ws->cap ? ws->cap : 64;
    while (cap <= (size_t)frame) cap *= 2;
    chain_entry *c = realloc(ws->chain, cap * sizeof *c);
    if (c == NULL) return; /* the cache is an optimisation: without it the chain is recomputed */
    memset(c + ws->cap, 0, (cap - ws->cap) * sizeof *c);
    ws->chain = c;
    ws->cap = cap;
  }
  chain_entry *e = &ws->chain[frame];
  memcpy(e->plain, plain, sizeof e->plain);
  memcpy(e->disk, disk, sizeof e->disk);
  e->valid = 1;
}

static const chain_entry *recall(const struct ps_walsum *ws, sqlite3_int64 frame, const uint32_t disk[2]) {
  if (frame < 1 || (size_t)frame >= ws->cap) return NULL;
  const chain_entry *e = &ws->chain[frame];
  return e->valid && e->disk[0] == disk[0] && e->disk[1] == disk[1] ? e : NULL;
}

/* ---- the WAL as stored ---- */
typedef struct {
  uint8_t raw[WAL_HDR];
  int big;  /* checksum words big-endian */
  int page; /* page size */
} wal_header;

static int read_header(ps_file *f, wal_header *h) {
  int rc = ps_root_read(f, h->raw, WAL_HDR, 0);
  if (rc != SQLITE_OK) return rc;
  uint32_t magic = ps_be32(h->raw);
  h->big = magic & 1;
  h->page = (int)ps_be32(h->raw + 8);
  if ((magic & ~1u) != 0x377f0682u || !ps_is_page_size(h->page)) return SQLITE_CORRUPT;
  return SQLITE_OK;
}

/* 1-based frame number of the frame starting at off; 0 when off is not a frame start. */
static sqlite3_int64 frame_no(sqlite3_int64 off, int page) {
  sqlite3_int64 size = page + FRAME_HDR;
  if (off < WAL_HDR || (off - WAL_HDR) % size != 0) return 0;
  return (off - WAL_HDR) / size + 1;
}

static sqlite3_int64 frame_off(sqlite3_int64 frame, int page) { return WAL_HDR + (frame - 1) * (page + FRAME_HDR); }

/* The checksum stored with frame `frame` (0: the WAL header's). */
static int stored_sum(ps_file *f, const wal_header *h, sqlite3_int64 frame, uint32_t s[2]) {
  if (frame == 0) {
    get_sum(h->raw + 24, s);
    return SQLITE_OK;
  }
  uint8_t b[8];
  int rc = ps_root_read(f, b, 8, frame_off(frame, h->page) + 16);
  get_sum(b, s);
  return rc;
}

static void chain(const wal_header *h, const uint8_t *frame_hdr, const uint8_t *page, const uint32_t in[2], uint32_t out[2]) {
  out[0] = in[0];
  out[1] = in[1];
  ps_wal_checksum(frame_hdr, 8, h->big, out);
  ps_wal_checksum(page, (size_t)h->page, h->big, out);
}

static int same(const uint32_t a[2], const uint32_t b[2]) { return a[0] == b[0] && a[1] == b[1]; }

/*
 * One stored frame `fr` (header + page) against the stored chain value `dprev` before it: decrypts the
 * page in place and computes the plaintext chain from `pprev` into `pnext`. Returns 1 when the frame is
 * valid, 0 when it is not (torn, or of another generation), -1 when it is valid over its ciphertext but
 * its page fails authentication.
 */
static int step(const ps_key *k, const wal_header *h, uint8_t *fr, sqlite3_int64 frame, const uint32_t dprev[2],
                const uint32_t pprev[2], uint32_t pnext[2], int *fail) {
  uint32_t stored[2], over_cipher[2], over_plain[2];
  get_sum(fr + 16, stored);
  int salts = memcmp(fr + 8, h->raw + 16, 8) == 0 && ps_be32(fr) != 0;
  chain(h, fr, fr + FRAME_HDR, dprev, over_cipher);
  ps_bind b = {ps_be32(fr), ps_be32(fr) == 1, fr, (uint32_t)frame};
  *fail = ps_page_open(k, fr + FRAME_HDR, h->page, &b); /* zeroed on failure */
  chain(h, fr, fr + FRAME_HDR, pprev, pnext);
  if (salts && same(stored, over_cipher)) return *fail ? -1 : 1;
  if (!salts || *fail) return 0;
  chain(h, fr, fr + FRAME_HDR, dprev, over_plain); /* pageseal 0.1.0: the chain covered the plaintext */
  return same(stored, over_plain);
}

/*
 * The plaintext chain value after frame `frame`, whose stored checksum is `disk`: from the cache, else
 * recomputed from frame 1. 0 when known, -1 when some frame up to it is not valid, or an SQLite error.
 */
static int plain_sum(ps_file *f, const ps_key *k, const wal_header *h, sqlite3_int64 frame, const uint32_t disk[2],
                     uint32_t out[2]) {
  struct ps_walsum *ws = state(f);
  if (ws == NULL) return SQLITE_NOMEM;
  if (frame == 0) {
    get_sum(h->raw + 24, out);
    return 0;
  }
  const chain_entry *e = recall(ws, frame, disk);
  if (e) {
    memcpy(out, e->plain, 2 * sizeof out[0]);
    return 0;
  }
  size_t len = (size_t)h->page + FRAME_HDR;
  uint8_t *fr = malloc(len);
  if (fr == NULL) return SQLITE_NOMEM;
  uint32_t d[2], p[2];
  get_sum(h->raw + 24, d);
  memcpy(p, d, sizeof p);
  int rc = 0;
  for (sqlite3_int64 m = 1; m <= frame && rc == 0; m++) {
    int io = ps_root_read(f, fr, FRAME_HDR, frame_off(m, h->page));
    uint32_t stored[2];
    get_sum(fr + 16, stored);
    if (io == SQLITE_OK && (e = recall(ws, m, stored)) != NULL) {
      memcpy(d, stored, sizeof d);
      memcpy(p, e->plain, sizeof p);
      continue;
    }
    io = io == SQLITE_OK ? ps_root_read(f, fr, (int)len, frame_off(m, h->page)) : io;
    int fail = 0;
    uint32_t next[2];
    if (io != SQLITE_OK || step(k, h, fr, m, d, p, next, &fail) != 1) {
      rc = io == SQLITE_OK || io == SQLITE_IOERR_SHORT_READ ? -1 : io;
      break;
    }
    memcpy(d, stored, sizeof d);
    memcpy(p, next, sizeof p);
    remember(ws, m, p, d);
  }
  ps_wipe(fr, len);
  free(fr);
  if (rc == 0 && !same(d, disk)) rc = -1; /* the log changed under us */
  if (rc == 0) memcpy(out, p, sizeof p);
  return rc;
}

/* ---- reads ---- */

/* A whole frame (header + page) at a frame offset. */
int ps_walsum_read_frame(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  struct ps_walsum *ws = state(f);
  if (ws == NULL) return SQLITE_IOERR_NOMEM;
  int rc = ps_root_read(f, buf, n, off);
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  ws->read_off = off;
  wal_header h;
  sqlite3_int64 frame = 0;
  if (read_header(f, &h) != SQLITE_OK || h.page != n - FRAME_HDR || (frame = frame_no(off, h.page)) == 0) {
    ps_bind b = {ps_be32(buf), ps_be32(buf) == 1, buf, 0}; /* frame unknown: a bound page cannot open */
    ps_page_open(k, buf + FRAME_HDR, n - FRAME_HDR, &b);    /* zeroed on failure */
    buf[16] ^= 1;                                                          /* no valid log: never valid */
    return SQLITE_OK;
  }
  uint32_t dprev[2], pprev[2], pnext[2], stored[2];
  get_sum(buf + 16, stored);
  rc = stored_sum(f, &h, frame - 1, dprev);
  if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_READ : rc;
  int known = plain_sum(f, k, &h, frame - 1, dprev, pprev);
  if (known > 0) return known == SQLITE_NOMEM ? SQLITE_IOERR_NOMEM : known;
  if (known < 0) memset(pprev, 0, sizeof pprev);
  int fail = 0, valid = step(k, &h, buf, frame, dprev, pprev, pnext, &fail);
  if (valid < 0) {
    sqlite3_log(SQLITE_IOERR_AUTH, "pageseal: frame %lld of %s is intact but its page fails authentication",
                (long long)frame, f->name);
    ps_failure_set(fail, ps_file_db_name(f), ps_be32(buf));
    memset(buf, 0, (size_t)n);
    return SQLITE_IOERR_AUTH;
  }
  if (valid && known == 0) {
    remember(ws, frame, pnext, stored);
  } else {
    pnext[0] ^= 1; /* SQLite computes pnext itself: this value fails its check */
  }
  put_sum(buf + 16, pnext);
  ws->read_off = off;
  return SQLITE_OK;
}

/* 8 bytes at frame + 16: the checksum SQLite continues from when it rewrites later frames' checksums. */
int ps_walsum_read_sum(ps_file *f, ps_key *k, uint8_t *buf, sqlite3_int64 off) {
  wal_header h;
  int rc = ps_root_read(f, buf, 8, off);
  if (rc != SQLITE_OK || read_header(f, &h) != SQLITE_OK) return rc;
  sqlite3_int64 frame = frame_no(off - 16, h.page);
  if (frame == 0) return SQLITE_OK;
  uint32_t stored[2], plain[2];
  get_sum(buf, stored);
  rc = plain_sum(f, k, &h, frame, stored, plain);
  if (rc > 0) return rc == SQLITE_NOMEM ? SQLITE_IOERR_NOMEM : rc;
  if (rc == 0) put_sum(buf, plain);
  return SQLITE_OK;
}

/* True for an 8-byte read of a stored frame checksum (frame + 16). */
int ps_walsum_is_sum_read(ps_file *f, int n, sqlite3_int64 off) {
  if (n != 8 || off < WAL_HDR + 16) return 0;
  return 1; /* ps_walsum_read_sum checks the offset against the page size */
}

/* ---- writes ---- */

/* Stored chain value before the frame at hoff, from disk; the header is read into h. */
static int prev_stored(ps_file *f, wal_header *h, sqlite3_int64 hoff, int page, uint32_t s[2], sqlite3_int64 *frame) {
  int rc = read_header(f, h);
  if (rc != SQLITE_OK || h->page != page || (*frame = frame_no(hoff, page)) == 0) return SQLITE_IOERR_WRITE;
  rc = stored_sum(f, h, *frame - 1, s);
  return rc == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

/* The page of the held header: encrypt it, chain over the ciphertext, write header and page at once. */
static int write_frame(ps_file *f, ps_key *k, const uint8_t *page, int n, sqlite3_int64 off) {
  struct ps_walsum *ws = f->walsum;
  sqlite3_int64 hoff = off - FRAME_HDR, frame = 0;
  uint8_t *out = ps_file_scratch(f, (size_t)n + FRAME_HDR);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  memcpy(out, ws->held, FRAME_HDR);
  ws->held_off = -1;
  uint32_t pgno = ps_be32(out), plain[2], sum[2];
  ps_bind b = {pgno, pgno == 1, out, (uint32_t)frame_no(hoff, n)};
  int bad = ps_page_seal(k, page, out + FRAME_HDR, n, &b);
  if (bad) {
    ps_failure_set(bad, ps_file_db_name(f), pgno);
    return SQLITE_IOERR_WRITE;
  }
  wal_header h;
  int rc = prev_stored(f, &h, hoff, n, sum, &frame);
  if (rc != SQLITE_OK) {
    sqlite3_log(rc, "pageseal: no WAL header or previous frame before frame at %lld of %s", (long long)hoff, f->name);
    return rc;
  }
  get_sum(out + 16, plain);
  chain(&h, out, out + FRAME_HDR, sum, sum);
  put_sum(out + 16, sum);
  remember(ws, frame, plain, sum);
  return ps_root_write(f, out, n + FRAME_HDR, hoff);
}

/* A header rewritten over a frame whose page is on disk: chain over that stored page. */
static int rewrite_header(ps_file *f, const uint8_t *buf, sqlite3_int64 off) {
  wal_header h;
  int rc = read_header(f, &h);
  if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
  uint8_t *fr = ps_file_scratch(f, (size_t)h.page + FRAME_HDR);
  if (fr == NULL) return SQLITE_IOERR_NOMEM;
  sqlite3_int64 frame = 0;
  uint32_t plain[2], sum[2];
  rc = prev_stored(f, &h, off, h.page, sum, &frame);
  if (rc == SQLITE_OK) rc = ps_root_read(f, fr + FRAME_HDR, h.page, off + FRAME_HDR);
  if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
  memcpy(fr, buf, FRAME_HDR);
  get_sum(fr + 16, plain);
  chain(&h, fr, fr + FRAME_HDR, sum, sum);
  put_sum(fr + 16, sum);
  remember(f->walsum, frame, plain, sum);
  return ps_root_write(f, fr, FRAME_HDR, off);
}

/* A 24-byte frame header from SQLite (checksum over its plaintext): held until its page, or rewritten. */
int ps_walsum_header(ps_file *f, const uint8_t *buf, sqlite3_int64 off) {
  struct ps_walsum *ws = state(f);
  if (ws == NULL) return SQLITE_IOERR_NOMEM;
  int rewrite = ws->read_off == off; /* the whole frame was just read: SQLite is rewriting its checksum */
  int rc = ps_walsum_flush(f);
  if (rc != SQLITE_OK) return rc;
  if (rewrite) return rewrite_header(f, buf, off);
  memcpy(ws->held, buf, FRAME_HDR);
  ws->held_off = off;
  return SQLITE_OK;
}

/* 1 when a page write at off completes the held header (write it with ps_walsum_page). */
int ps_walsum_completes(ps_file *f, int n, sqlite3_int64 off) {
  return f->walsum && f->walsum->held_off >= 0 && f->walsum->held_off + FRAME_HDR == off && ps_is_page_size(n);
}

int ps_walsum_page(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  return write_frame(f, k, buf, n, off);
}

/* Anything but the held header's page: the header goes out alone, with a checksum that never verifies. */
int ps_walsum_flush(ps_file *f) {
  struct ps_walsum *ws = f->walsum;
  if (ws == NULL) return SQLITE_OK;
  ws->read_off = -1;
  if (ws->held_off < 0) return SQLITE_OK;
  sqlite3_int64 off = ws->held_off;
  ws->held_off = -1;
  memset(ws->held + 16, 0, 8);
  sqlite3_log(SQLITE_NOTICE, "pageseal: frame header at %lld of %s written without its page", (long long)off, f->name);
  return ps_root_write(f, ws->held, FRAME_HDR, off);
}
