/*
 * Temp files: every byte passes through the per-file keystream (tempcrypt.c), in regions of
 * PS_TEMP_REGION bytes. Each write of a region re-encrypts it whole (from its start to the end of what it
 * holds) under the region's next generation, so no keystream is ever used twice: a write that covers only
 * part of what a region holds first reads and decrypts the rest. The file keeps, per region, its
 * generation and how many bytes from its start hold data; other bytes (holes, space the platform VFS
 * pre-extended, anything past a truncation) read as zeros, as they would without encryption.
 * Writes go out through the file's scratch buffer, several whole regions per call.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

#define CHUNK_REGIONS 16

/* Grows the region tables to hold region r. 0 or -1. */
static int ensure(ps_stream *s, size_t r) {
  if (r < s->regions) return 0;
  size_t n = s->regions ? s->regions : 16;
  while (n <= r) n *= 2;
  uint32_t *gen = realloc(s->gen, n * sizeof *gen);
  if (gen == NULL) return -1;
  s->gen = gen;
  uint16_t *len = realloc(s->len, n * sizeof *len);
  if (len == NULL) return -1;
  s->len = len;
  memset(s->gen + s->regions, 0, (n - s->regions) * sizeof *gen);
  memset(s->len + s->regions, 0, (n - s->regions) * sizeof *len);
  s->regions = n;
  return 0;
}

static size_t held(const ps_stream *s, size_t r) { return r < s->regions ? s->len[r] : 0; }

/* Regions encrypted into the scratch buffer, written in one call, then recorded. */
typedef struct {
  sqlite3_int64 off;
  size_t bytes;
  int n;
  size_t region[CHUNK_REGIONS];
  uint16_t len[CHUNK_REGIONS];
} batch;

static int flush(ps_file *f, uint8_t *out, batch *b) {
  if (b->n == 0) return SQLITE_OK;
  int rc = ps_root_write(f, out, (int)b->bytes, b->off);
  for (int i = 0; i < b->n && rc == SQLITE_OK; i++) { /* recorded only once on disk */
    f->stream->gen[b->region[i]]++;
    f->stream->len[b->region[i]] = b->len[i];
  }
  b->n = 0;
  b->bytes = 0;
  return rc;
}

/* Builds region r's next image in img: what it held, plus buf's bytes [ws, we) of the file. */
static int region_image(ps_file *f, size_t r, uint8_t *img, size_t new_len, const uint8_t *buf, sqlite3_int64 off,
                        sqlite3_int64 ws, sqlite3_int64 we) {
  ps_stream *s = f->stream;
  sqlite3_int64 rs = (sqlite3_int64)r * PS_TEMP_REGION;
  size_t old = held(s, r);
  memset(img, 0, new_len);
  if (old > 0 && !(ws == rs && we - rs >= (sqlite3_int64)old)) {
    int rc = ps_root_read(f, img, (int)old, rs);
    if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_WRITE : rc;
    ps_stream_xor(s, img, old, (uint64_t)rs, s->gen[r]);
  }
  memcpy(img + (ws - rs), buf + (ws - off), (size_t)(we - ws));
  return SQLITE_OK;
}

int ps_temp_write(ps_file *f, const uint8_t *buf, int n, sqlite3_int64 off) {
  if (n <= 0) return SQLITE_OK;
  ps_stream *s = f->stream;
  size_t spanned = (size_t)((off + n - 1) / PS_TEMP_REGION - off / PS_TEMP_REGION + 1);
  size_t cap = (spanned < CHUNK_REGIONS ? spanned : CHUNK_REGIONS) * PS_TEMP_REGION;
  uint8_t *out = ps_file_scratch(f, cap);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  batch b = {0};
  int rc = SQLITE_OK;
  for (sqlite3_int64 ws = off; ws < off + n && rc == SQLITE_OK;) {
    size_t r = (size_t)(ws / PS_TEMP_REGION);
    sqlite3_int64 rs = (sqlite3_int64)r * PS_TEMP_REGION;
    sqlite3_int64 we = off + n < rs + PS_TEMP_REGION ? off + n : rs + PS_TEMP_REGION;
    if (ensure(s, r) != 0) return SQLITE_IOERR_NOMEM;
    if (s->gen[r] == UINT32_MAX) return SQLITE_IOERR_WRITE; /* 2^32 writes of one region: never a reuse */
    size_t new_len = held(s, r) > (size_t)(we - rs) ? held(s, r) : (size_t)(we - rs);
    if (b.bytes + PS_TEMP_REGION > cap || (b.n > 0 && b.off + (sqlite3_int64)b.bytes != rs)) rc = flush(f, out, &b);
    if (rc != SQLITE_OK) break;
    if (b.n == 0) b.off = rs;
    uint8_t *img = out + b.bytes;
    rc = region_image(f, r, img, new_len, buf, off, ws, we);
    if (rc != SQLITE_OK) break;
    ps_stream_xor(s, img, new_len, (uint64_t)rs, s->gen[r] + 1);
    b.region[b.n] = r;
    b.len[b.n++] = (uint16_t)new_len;
    b.bytes += new_len;
    if (new_len < PS_TEMP_REGION) rc = flush(f, out, &b); /* the next region does not follow on disk */
    ws = we;
  }
  if (rc == SQLITE_OK) rc = flush(f, out, &b);
  ps_wipe(out, cap);
  return rc;
}

/* Decrypts what each region holds; any other byte of the range reads as zero. */
int ps_temp_read(ps_file *f, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  ps_stream *s = f->stream;
  for (sqlite3_int64 pos = off; pos < off + n;) {
    size_t r = (size_t)(pos / PS_TEMP_REGION);
    sqlite3_int64 rs = (sqlite3_int64)r * PS_TEMP_REGION;
    sqlite3_int64 end = off + n < rs + PS_TEMP_REGION ? off + n : rs + PS_TEMP_REGION;
    sqlite3_int64 data_end = rs + (sqlite3_int64)held(s, r);
    sqlite3_int64 dec_end = data_end < end ? data_end : end;
    if (dec_end > pos) ps_stream_xor(s, buf + (pos - off), (size_t)(dec_end - pos), (uint64_t)pos, s->gen[r]);
    sqlite3_int64 zero_from = dec_end > pos ? dec_end : pos;
    if (end > zero_from) memset(buf + (zero_from - off), 0, (size_t)(end - zero_from));
    pos = end;
  }
  return rc;
}

/* Regions past the new size hold nothing; their generations stay, so a later write still gets a new one. */
void ps_temp_truncate(ps_file *f, sqlite3_int64 size) {
  ps_stream *s = f->stream;
  for (size_t r = 0; r < s->regions; r++) {
    sqlite3_int64 rs = (sqlite3_int64)r * PS_TEMP_REGION;
    if (rs >= size) s->len[r] = 0;
    else if (rs + s->len[r] > size) s->len[r] = (uint16_t)(size - rs);
  }
}
