/*
 * The rollback journal of a database with a key (docs/logs.md, "Rollback journal").
 *
 * SQLite's layout (fileformat2.html, "The Rollback Journal"): segments, each a header of one sector
 * (magic, record count, checksum nonce, initial database size in pages, sector size, page size, the rest
 * zero) at a sector-aligned offset, then records of a 4-byte page number, the page, and a 4-byte
 * checksum (the nonce plus the page's bytes at P-200, P-400, ... > 0). SQLite writes a header with a zero
 * magic and count, then the records (three writes each), and once they are synced the magic and count
 * (12 bytes at the header) before it touches the database file.
 *
 * On disk, as written here:
 *   - each page image is stored exactly as that page is in the database file (page 1 in its own format),
 *     and its record checksum covers the stored bytes, so stock SQLite playing a hot journal back
 *     restores the encrypted pages byte for byte (pageseal 0.1.0 stored page 1 like any other page);
 *   - each header carries, in its sector's unused bytes, a marker (28..31: "PSJ1"), and once SQLite
 *     writes the count, a tag (32..47) and its nonce (48..) over: a domain string, the header's offset,
 *     header bytes 8..27, the previous segment's tag, and each record's page number and stored nonce and
 *     tag (which authenticate its page image);
 *   - the first header also carries the number of segments written (80..83) with its own tag and nonce
 *     (84.., 100..) over that count and the last segment's tag, so no segment can be dropped.
 * Tags are the key's cipher over empty plaintext with the message as associated data, each under a fresh
 * random nonce (never a repeated nonce, which GCM could not afford).
 *
 * Before SQLite plays a hot journal back (ps_journal_verify, from guard.c when the journal opens) every
 * segment SQLite would play is checked: its tag, all of its records present, each page authenticated,
 * each checksum right. Anything else refuses the open: nothing is played back and nothing changes.
 * A journal without the marker was written by pageseal 0.1.0 (checksums over the plaintext): its records
 * must all be there and verify over their decrypted pages. A journal written with synchronous=OFF never
 * gets its count (SQLite computes it from the size), so only its records are checked.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

static const uint8_t MAGIC[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
static const uint8_t MARKER[4] = {'P', 'S', 'J', '1'};
static const char SEGMENT_DOMAIN[16] = "pageseal-jseg-1";
static const char COUNT_DOMAIN[16] = "pageseal-jcnt-1";

#define FIELDS 28       /* SQLite's header fields */
#define MARK_AT 28
#define TAG_AT 32
#define NONCE_AT 48
#define COUNT_AT 80     /* first header only: segments (4), tag (16), nonce */
#define COUNT_TAG_AT 84
#define COUNT_NONCE_AT 100
#define HEADER_USED 132 /* 100 + the longest nonce (32) */
#define MIN_SECTOR 256

enum { EXPECT_PGNO = 0, EXPECT_PAGE, EXPECT_SUM };

struct ps_jsum {
  int expect;               /* what the next 4- or page-sized write is */
  uint32_t delta;           /* stored checksum - SQLite's (plaintext) checksum of the last page written */
  sqlite3_int64 page_off;   /* offset of the last page read, for the checksum read that follows */
  uint32_t read_delta;
  uint32_t pgno;            /* page number of the record being written */
  uint8_t last_tag[PS_TAG_SIZE]; /* the last segment tag written, chained into the next */
  uint32_t segments;        /* segments finalized since the header at offset 0 was written */
};

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static struct ps_jsum *state(ps_file *f) {
  if (f->jsum == NULL) f->jsum = calloc(1, sizeof *f->jsum);
  if (f->jsum && f->jsum->page_off == 0) f->jsum->page_off = -1;
  return f->jsum;
}

void ps_journal_free(ps_file *f) {
  if (f->jsum) {
    ps_wipe(f->jsum, sizeof *f->jsum);
    free(f->jsum);
    f->jsum = NULL;
  }
}

/* SQLite's record checksum without the nonce: bytes at P-200, P-400, ... > 0. */
static uint32_t sample(const uint8_t *page, int size) {
  uint32_t s = 0;
  for (int i = size - 200; i > 0; i -= 200) s += page[i];
  return s;
}

static int page_size_ok(ps_file *f, int n) {
  return ps_is_page_size(n) && (f->main == NULL || f->main->page_size == 0 || f->main->page_size == n);
}

/* ---- tags ---- */
typedef struct {
  uint8_t *buf;
  size_t len, cap;
} msg;

static int msg_add(msg *m, const void *p, size_t n) {
  if (m->len + n > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 4096;
    while (cap < m->len + n) cap *= 2;
    uint8_t *b = realloc(m->buf, cap);
    if (b == NULL) return -1;
    m->buf = b;
    m->cap = cap;
  }
  memcpy(m->buf + m->len, p, n);
  m->len += n;
  return 0;
}

static void msg_free(msg *m) {
  if (m->buf) ps_wipe(m->buf, m->cap);
  free(m->buf);
}

static void tag_of(const ps_key *k, const msg *m, const uint8_t *nonce, uint8_t tag[PS_TAG_SIZE]) {
  uint8_t none = 0;
  ps_aead_encrypt(&k->aead, &none, 0, m->buf, m->len, nonce, tag, PS_TAG_SIZE);
}

static int tag_ok(const ps_key *k, const msg *m, const uint8_t *nonce, const uint8_t *tag) {
  uint8_t none = 0;
  return ps_aead_decrypt(&k->aead, &none, 0, m->buf, m->len, nonce, tag, PS_TAG_SIZE) == 0;
}

/* The message of a segment: domain, offset, header fields 8..27, previous tag, then its records. */
static int segment_msg(ps_file *f, const ps_key *k, sqlite3_int64 hoff, const uint8_t *fields, const uint8_t *prev,
                       uint32_t nrec, int page, msg *m) {
  uint8_t off[8];
  for (int i = 0; i < 8; i++) off[i] = (uint8_t)((uint64_t)hoff >> (56 - 8 * i));
  uint32_t sector = ps_be32(fields + 20);
  if (msg_add(m, SEGMENT_DOMAIN, 16) || msg_add(m, off, 8) || msg_add(m, fields + 8, 20) ||
      msg_add(m, prev, PS_TAG_SIZE))
    return SQLITE_NOMEM;
  sqlite3_int64 at = hoff + sector;
  uint8_t pgno[4], *tail = malloc(k->reserve);
  if (tail == NULL) return SQLITE_NOMEM;
  int rc = SQLITE_OK;
  for (uint32_t r = 0; r < nrec && rc == SQLITE_OK; r++, at += page + 8) {
    rc = ps_root_read(f, pgno, 4, at);
    if (rc == SQLITE_OK) rc = ps_root_read(f, tail, (int)k->reserve, at + 4 + page - (sqlite3_int64)k->reserve);
    if (rc == SQLITE_OK && (msg_add(m, pgno, 4) || msg_add(m, tail, k->reserve))) rc = SQLITE_NOMEM;
  }
  free(tail);
  return rc;
}

static int count_msg(uint32_t segments, const uint8_t *last_tag, msg *m) {
  uint8_t n[4];
  put_be32(n, segments);
  return msg_add(m, COUNT_DOMAIN, 16) || msg_add(m, n, 4) || msg_add(m, last_tag, PS_TAG_SIZE) ? SQLITE_NOMEM : SQLITE_OK;
}

/* ---- writes ---- */

/* SQLite's header of a new segment (zero or real magic, then fields, then zeros): marked as ours. */
static int is_new_header(const uint8_t *buf, int n, sqlite3_int64 off) {
  if (n < HEADER_USED) return 0;
  uint32_t sector = ps_be32(buf + 20), page = ps_be32(buf + 24);
  if (sector < MIN_SECTOR || sector > 65536 || (sector & (sector - 1)) || off % sector || !ps_is_page_size(page)) return 0;
  static const uint8_t zero[8] = {0};
  if (memcmp(buf, MAGIC, 8) != 0 && memcmp(buf, zero, 8) != 0) return 0;
  for (int i = FIELDS; i < HEADER_USED; i++)
    if (buf[i]) return 0;
  return 1;
}

static int write_header(ps_file *f, struct ps_jsum *js, const uint8_t *buf, int n, sqlite3_int64 off) {
  uint8_t *out = ps_file_scratch(f, (size_t)n);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  memcpy(out, buf, (size_t)n);
  memcpy(out + MARK_AT, MARKER, 4);
  if (off == 0) js->segments = 0;
  return ps_root_write(f, out, n, off);
}

/* The OS random number generator failed: no nonce for the header tag, so the write is refused. */
static int no_random(ps_file *f) {
  ps_failure_set(PS_FAIL_RANDOM, ps_file_db_name(f), 0);
  return SQLITE_IOERR_WRITE;
}

/* SQLite's 12 bytes (magic, record count) at a header: the segment is complete; tag it, and count it. */
static int finalize(ps_file *f, ps_key *k, struct ps_jsum *js, const uint8_t *buf, sqlite3_int64 off) {
  uint8_t hdr[HEADER_USED];
  int rc = ps_root_read(f, hdr, HEADER_USED, off);
  if (rc != SQLITE_OK || memcmp(hdr + MARK_AT, MARKER, 4) != 0) return SQLITE_IOERR_WRITE;
  if (off > 0 && js->segments == 0) return SQLITE_IOERR_WRITE; /* the first segment's tag is not known here */
  memcpy(hdr, buf, 12);
  uint32_t nrec = ps_be32(hdr + 8), page = ps_be32(hdr + 24);
  if (nrec == 0xffffffffu || !ps_is_page_size(page)) return SQLITE_IOERR_WRITE;
  static const uint8_t none[PS_TAG_SIZE] = {0};
  msg m = {0};
  rc = segment_msg(f, k, off, hdr, off == 0 ? none : js->last_tag, nrec, (int)page, &m);
  if (rc == SQLITE_OK && ps_fresh_nonce(hdr + NONCE_AT, k->nonce) != 0) rc = no_random(f);
  if (rc == SQLITE_OK) tag_of(k, &m, hdr + NONCE_AT, hdr + TAG_AT);
  msg_free(&m);
  if (rc != SQLITE_OK) return rc == SQLITE_NOMEM ? SQLITE_IOERR_NOMEM : SQLITE_IOERR_WRITE;
  memcpy(js->last_tag, hdr + TAG_AT, PS_TAG_SIZE);
  js->segments = off == 0 ? 1 : js->segments + 1;
  /* The count goes in the first header: with this one's tag when this is it, else on its own, after. */
  uint8_t cnt[HEADER_USED - COUNT_AT];
  msg c = {0};
  rc = count_msg(js->segments, js->last_tag, &c);
  put_be32(cnt, js->segments);
  if (rc == SQLITE_OK && ps_fresh_nonce(cnt + (COUNT_NONCE_AT - COUNT_AT), k->nonce) != 0) rc = no_random(f);
  if (rc == SQLITE_OK) tag_of(k, &c, cnt + (COUNT_NONCE_AT - COUNT_AT), cnt + (COUNT_TAG_AT - COUNT_AT));
  msg_free(&c);
  if (rc != SQLITE_OK) return SQLITE_IOERR_WRITE;
  if (off == 0) {
    memcpy(hdr + COUNT_AT, cnt, sizeof cnt);
    return ps_root_write(f, hdr, HEADER_USED, 0);
  }
  rc = ps_root_write(f, hdr, HEADER_USED, off);
  return rc == SQLITE_OK ? ps_root_write(f, cnt, sizeof cnt, COUNT_AT) : rc;
}

static int write_page(ps_file *f, ps_key *k, struct ps_jsum *js, const uint8_t *buf, int n, sqlite3_int64 off) {
  uint8_t *out = ps_file_scratch(f, (size_t)n);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  ps_bind b = {js->pgno, js->pgno == 1, NULL, 0};
  int bad = ps_page_seal(k, buf, out, n, &b); /* stored exactly as in the database file */
  if (bad) {
    ps_failure_set(bad, ps_file_db_name(f), js->pgno);
    return SQLITE_IOERR_WRITE;
  }
  js->delta = sample(out, n) - sample(buf, n);
  return ps_root_write(f, out, n, off);
}

static int write_sum(ps_file *f, struct ps_jsum *js, const uint8_t *buf, sqlite3_int64 off) {
  uint8_t out[4];
  put_be32(out, ps_be32(buf) + js->delta);
  return ps_root_write(f, out, 4, off);
}

int ps_journal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off) {
  struct ps_jsum *js = state(f);
  if (js == NULL) return SQLITE_IOERR_NOMEM;
  int page = page_size_ok(f, n) && js->expect == EXPECT_PAGE && f->last_len == 4 && f->last_off + 4 == off;
  int sum = !page && n == 4 && js->expect == EXPECT_SUM && f->last_off + f->last_len == off;
  int rc;
  if (page) {
    rc = write_page(f, k, js, buf, n, off);
  } else if (sum) {
    rc = write_sum(f, js, buf, off);
  } else if (n == 12 && memcmp(buf, MAGIC, 8) == 0) {
    rc = finalize(f, k, js, buf, off);
  } else if (is_new_header(buf, n, off)) {
    rc = write_header(f, js, buf, n, off);
  } else {
    if (n == 4 && js->expect == EXPECT_PGNO) js->pgno = ps_be32(buf);
    rc = ps_root_write(f, buf, n, off);
  }
  js->expect = page ? EXPECT_SUM : n == 4 && !sum ? EXPECT_PAGE : EXPECT_PGNO;
  f->last_off = off;
  f->last_len = n;
  return rc;
}

/* ---- reads ---- */

static int marked(ps_file *f) {
  uint8_t m[4];
  return ps_root_read(f, m, 4, MARK_AT) == SQLITE_OK && memcmp(m, MARKER, 4) == 0;
}

int ps_journal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off) {
  struct ps_jsum *js = state(f);
  if (js == NULL) return SQLITE_IOERR_NOMEM;
  int rc = ps_root_read(f, buf, n, off);
  if (n == 4 && off == js->page_off && rc == SQLITE_OK && marked(f)) {
    put_be32(buf, ps_be32(buf) - js->read_delta); /* the checksum SQLite computes over the plaintext */
    return SQLITE_OK;
  }
  if (!page_size_ok(f, n)) return rc;
  if (rc == SQLITE_IOERR_SHORT_READ) memset(buf, 0, (size_t)n);
  if (rc != SQLITE_OK) return rc;
  uint32_t stored = sample(buf, n);
  uint8_t hdr[4] = {0};
  if (off >= 4) ps_root_read(f, hdr, 4, off - 4);
  ps_bind b = {ps_be32(hdr), ps_be32(hdr) == 1 && marked(f), NULL, 0}; /* 0.1.0 stored page 1 like any page */
  int bad = ps_page_open(k, buf, n, &b);
  if (bad == 0) {
    js->page_off = off + n;
    js->read_delta = stored - sample(buf, n);
    return SQLITE_OK;
  }
  return SQLITE_IOERR_AUTH;
}

/* ---- checks before a hot journal is played back ---- */

static int refuse(ps_file *f, const char *why, sqlite3_int64 at) {
  sqlite3_log(SQLITE_CANTOPEN, "pageseal: hot journal %s refused (%s at offset %lld): nothing was played back",
              f->name, why, (long long)at);
  ps_failure_set(PS_FAIL_JOURNAL, ps_file_db_name(f), 0);
  return SQLITE_CANTOPEN;
}

/* Every one of nrec records from `at`: present, page authenticated, checksum over stored (or, for a 0.1.0
 * journal, decrypted) bytes. */
static int records_ok(ps_file *f, const ps_key *k, sqlite3_int64 at, uint32_t nrec, int page, uint32_t nonce,
                      int ours, uint8_t *rec) {
  for (uint32_t r = 0; r < nrec; r++, at += page + 8) {
    if (ps_root_read(f, rec, page + 8, at) != SQLITE_OK) return refuse(f, "record missing", at);
    if (ps_be32(rec) == 0) return refuse(f, "record without a page number", at);
    uint32_t stored = ps_be32(rec + 4 + page), ct = sample(rec + 4, page);
    ps_bind b = {ps_be32(rec), ours && ps_be32(rec) == 1, NULL, 0};
    if (ps_page_open(k, rec + 4, page, &b) != 0) return refuse(f, "page image fails authentication", at);
    uint32_t want = nonce + (ours ? ct : sample(rec + 4, page));
    if (stored != want) return refuse(f, "record checksum", at);
  }
  return SQLITE_OK;
}

static sqlite3_int64 next_header(sqlite3_int64 end, uint32_t sector) {
  return (end + sector - 1) / sector * sector;
}

static int verify(ps_file *f, const ps_key *k, sqlite3_int64 size, uint8_t *rec) {
  uint8_t hdr[HEADER_USED] = {0};
  if (ps_root_read(f, hdr, size < HEADER_USED ? (int)size : HEADER_USED, 0) != SQLITE_OK && size >= HEADER_USED)
    return refuse(f, "header unreadable", 0);
  uint32_t sector = ps_be32(hdr + 20), page = ps_be32(hdr + 24);
  int ours = memcmp(hdr + MARK_AT, MARKER, 4) == 0;
  if (sector < 32 || sector > 65536 || (sector & (sector - 1)) || !ps_is_page_size(page) || size < sector)
    return refuse(f, "header", 0);
  if (ps_be32(hdr + 8) == 0xffffffffu) /* synchronous=OFF: the count is the size */
    return records_ok(f, k, sector, (uint32_t)((size - sector) / (page + 8)), (int)page, ps_be32(hdr + 12), ours, rec);
  uint32_t segments = 0, want = 0;
  static const uint8_t none[PS_TAG_SIZE] = {0};
  uint8_t prev[PS_TAG_SIZE];
  memcpy(prev, none, sizeof prev);
  if (ours) want = ps_be32(hdr + COUNT_AT);
  for (sqlite3_int64 off = 0; off + sector <= size;) {
    if (off > 0 && (ps_root_read(f, hdr, HEADER_USED, off) != SQLITE_OK || memcmp(hdr, MAGIC, 8) != 0)) break;
    uint32_t nrec = ps_be32(hdr + 8);
    if (ours) {
      if (memcmp(hdr + MARK_AT, MARKER, 4) != 0) return refuse(f, "segment without its tag", off);
      msg m = {0};
      int rc = segment_msg(f, k, off, hdr, prev, nrec, (int)page, &m);
      int ok = rc == SQLITE_OK && tag_ok(k, &m, hdr + NONCE_AT, hdr + TAG_AT);
      msg_free(&m);
      if (!ok) return refuse(f, "segment tag", off);
      memcpy(prev, hdr + TAG_AT, sizeof prev);
      if (++segments == want) { /* the count's tag binds this segment's */
        uint8_t first[HEADER_USED];
        msg c = {0};
        int crc = ps_root_read(f, first, HEADER_USED, 0) == SQLITE_OK ? count_msg(want, prev, &c) : SQLITE_IOERR;
        int cok = crc == SQLITE_OK && tag_ok(k, &c, first + COUNT_NONCE_AT, first + COUNT_TAG_AT);
        msg_free(&c);
        if (!cok) return refuse(f, "segment count tag", 0);
      }
    }
    if (size < off + sector + (sqlite3_int64)nrec * (page + 8)) return refuse(f, "truncated", off);
    int rc = records_ok(f, k, off + sector, nrec, (int)page, ps_be32(hdr + 12), ours, rec);
    if (rc != SQLITE_OK) return rc;
    off = next_header(off + sector + (sqlite3_int64)nrec * (page + 8), sector);
  }
  if (ours && (want == 0 || segments < want)) return refuse(f, "segments missing", 0);
  return SQLITE_OK;
}

/* 1 when the journal's first record decrypts with k (a page 1 torn by a crash is then restored from it). */
int ps_journal_proves_key(ps_file *f, const ps_key *k) {
  uint8_t hdr[FIELDS];
  if (ps_root_read(f, hdr, FIELDS, 0) != SQLITE_OK) return 0;
  uint32_t sector = ps_be32(hdr + 20), page = ps_be32(hdr + 24);
  if (!ps_is_page_size(page) || sector < 32 || sector > 65536) return 0;
  uint8_t *rec = malloc(page + 4);
  if (rec == NULL) return 0;
  int proved = ps_root_read(f, rec, (int)page + 4, sector) == SQLITE_OK &&
               ps_page_open(k, rec + 4, (int)page, &(ps_bind){ps_be32(rec), ps_be32(rec) == 1 && marked(f), NULL, 0}) == 0;
  ps_wipe(rec, page + 4);
  free(rec);
  return proved;
}

/* A journal SQLite takes for hot: checked whole before it plays any of it. */
static int check_hot(ps_file *f, const ps_key *k, sqlite3_int64 size) {
  uint8_t magic[8] = {0};
  /* SQLite writes a zero or a real magic; with anything else it would skip playback and delete the journal */
  if (size < 8 || ps_root_read(f, magic, 8, 0) != SQLITE_OK || memcmp(magic, MAGIC, 8) != 0)
    return refuse(f, "header magic", 0);
  uint8_t *rec = malloc(65536 + 8);
  if (rec == NULL) return SQLITE_NOMEM;
  int rc = verify(f, k, size, rec);
  ps_wipe(rec, 65536 + 8);
  free(rec);
  return rc;
}

/*
 * Called when a journal of a keyed database opens. Checks it when SQLite would take it for hot (first
 * byte not zero); a journal being written by another connection holding the write lock is not hot.
 */
int ps_journal_verify(ps_file *f, const ps_key *k) {
  uint8_t first = 0;
  sqlite3_int64 size = 0;
  /* SQLite's test reads the first byte ("unix" reports a 1-byte file as empty, so the size cannot tell) */
  if (ps_root_read(f, &first, 1, 0) != SQLITE_OK || first == 0) return SQLITE_OK;
  if (f->root->pMethods->xFileSize(f->root, &size) != SQLITE_OK) size = 0;
  int rc = check_hot(f, k, size);
  if (rc != SQLITE_OK && f->main && f->main->lock_level <= SQLITE_LOCK_SHARED) {
    int reserved = 0;
    if (f->main->root->pMethods->xCheckReservedLock(f->main->root, &reserved) == SQLITE_OK && reserved) {
      ps_failure_clear();
      return SQLITE_OK;
    }
  }
  return rc;
}
