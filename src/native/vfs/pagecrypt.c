/*
 * One database page in Turso's or pageseal's encrypted format (docs/format.md). With page size P,
 * nonce N and tag T=16, a page is stored as ciphertext [0, P-N-T), tag [P-N-T, P-N), nonce [P-N, P).
 *
 * Turso's format: empty associated data. Page 1 stores "Turso" + 0x00 + cipher id + 9 zero bytes in
 * place of SQLite's 16-byte magic, keeps bytes 16..99 in plaintext, encrypts from byte 100 on, and
 * authenticates the 100 stored header bytes as associated data.
 *
 * pageseal's format: same layout; page 1 stores the key's 16-byte prefix ("pageseal", version 1, cipher
 * id, KDF id, flags, KDF parameters) and the 16-byte database id in header bytes 72..87 (SQLite's
 * "reserved for expansion", which SQLite sees as zeros). The associated data of every page is
 *   version (1) | domain (0 database page, 1 WAL frame) | database id (16) | page number (4, BE)
 *   [ WAL frame: salt-1, salt-2 as stored (8) | frame number (4, BE) ]
 *   [ page 1 layout: the 100 header bytes as stored ]
 * The decrypted page is the plaintext followed by N+T zeros.
 */
#include <pthread.h>
#include <string.h>
#include "ps_vfs.h"

static const uint8_t SQLITE_MAGIC[16] = "SQLite format 3";
static const uint8_t TURSO_MAGIC[5] = {'T', 'u', 'r', 's', 'o'};
static const uint8_t PAGESEAL_MAGIC[8] = {'p', 'a', 'g', 'e', 's', 'e', 'a', 'l'};
#define HEADER_SIZE 100
#define PAGESEAL_VERSION 1
#define DBID_AT 72 /* header bytes 72..91 are SQLite's "reserved for expansion": id at 72..87, 88..91 zero */
#define DBID_END 92
#define AD_MAX (34 + HEADER_SIZE)

int ps_is_page_size(sqlite3_int64 n) { return n >= 512 && n <= 65536 && (n & (n - 1)) == 0; }

/* Page size from the header (bytes 16..17, big-endian, 1 meaning 65536); 0 when invalid. */
int ps_header_page_size(const uint8_t *header) {
  int size = (header[16] << 8) | header[17];
  if (size == 1) size = 65536;
  return ps_is_page_size(size) ? size : 0;
}

static int turso_prefix_ok(const uint8_t *stored, int cipher) {
  if (memcmp(stored, TURSO_MAGIC, 5) != 0)
    return memcmp(stored, PAGESEAL_MAGIC, 8) == 0 ? PS_FAIL_FORMAT_MISMATCH : PS_FAIL_NOT_ENCRYPTED;
  uint8_t extra = stored[5];
  for (int i = 7; i < 16; i++) extra |= stored[i];
  if (extra != 0) return PS_FAIL_FORMAT;
  return stored[6] == cipher ? 0 : PS_FAIL_CIPHER;
}

/* The prefix must be the key's (same KDF and parameters: the key was derived for them), and the
 * database id the key's: another database's page 1 fails as an authentication failure. */
static int pageseal_prefix_ok(const uint8_t *stored, const ps_key *k) {
  if (memcmp(stored, PAGESEAL_MAGIC, 8) != 0)
    return memcmp(stored, TURSO_MAGIC, 5) == 0 ? PS_FAIL_FORMAT_MISMATCH : PS_FAIL_NOT_ENCRYPTED;
  if (stored[8] != PAGESEAL_VERSION) return PS_FAIL_FORMAT;
  if (stored[9] != k->cipher) return PS_FAIL_CIPHER;
  return memcmp(stored, k->prefix, 16) == 0 ? 0 : PS_FAIL_AUTH;
}

int ps_page1_prefix_ok(const uint8_t *stored, const ps_key *k) {
  return k->format == PS_FORMAT_PAGESEAL ? pageseal_prefix_ok(stored, k) : turso_prefix_ok(stored, k->cipher);
}

/* Turns stored header bytes [off, off+n) (within 0..99) into what SQLite wrote: its magic in 0..15,
 * and zeros in 72..91 for the pageseal format. */
void ps_page1_header_to_sqlite(const ps_key *k, uint8_t *buf, int n, int off) {
  for (int i = off; i < off + n && i < HEADER_SIZE; i++) {
    if (i < 16) buf[i - off] = SQLITE_MAGIC[i];
    else if (k->format == PS_FORMAT_PAGESEAL && i >= DBID_AT && i < DBID_END) buf[i - off] = 0;
  }
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* The associated data of a page (see the top comment); `stored` is the stored page (its header for page 1). */
static size_t build_ad(const ps_key *k, const ps_bind *b, const uint8_t *stored, uint8_t ad[AD_MAX]) {
  if (k->format != PS_FORMAT_PAGESEAL) {
    if (!b->page1) return 0;
    memcpy(ad, stored, HEADER_SIZE);
    return HEADER_SIZE;
  }
  size_t n = 22;
  ad[0] = PAGESEAL_VERSION;
  ad[1] = b->frame ? 1 : 0;
  memcpy(ad + 2, k->dbid, 16);
  put_be32(ad + 18, b->pgno);
  if (b->frame) {
    memcpy(ad + 22, b->frame + 8, 8);
    put_be32(ad + 30, b->frame_no);
    n = 34;
  }
  if (b->page1) {
    memcpy(ad + n, stored, HEADER_SIZE);
    n += HEADER_SIZE;
  }
  return n;
}

/*
 * Nonces come from a per-thread pool refilled from the OS CSPRNG, so a page write costs no system call.
 * A forked child drops the pool it inherited, so parent and child never hand out the same nonce.
 */
static __thread struct {
  uint8_t bytes[4096];
  size_t used;
  int filled;
} pool;

static void forget_pool_in_child(void) { pool.filled = 0; }
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void install_atfork(void) { pthread_atfork(NULL, NULL, forget_pool_in_child); }

int ps_fresh_nonce(uint8_t *out, size_t n) {
  pthread_once(&atfork_once, install_atfork);
  if (!pool.filled || pool.used + n > sizeof pool.bytes) {
    if (ps_random_bytes(pool.bytes, sizeof pool.bytes) != 0) return -1;
    pool.used = 0;
    pool.filled = 1;
  }
  memcpy(out, pool.bytes + pool.used, n);
  pool.used += n;
  return 0;
}

/* Page 1's stored header: the format's prefix in 0..15; for pageseal the database id in 72..87. SQLite
 * leaves 72..91 zero ("reserved for expansion"): anything else there is refused rather than lost. */
static int seal_header(const ps_key *k, const uint8_t *in, uint8_t *out) {
  if (k->format != PS_FORMAT_PAGESEAL) {
    memset(out, 0, 16);
    memcpy(out, TURSO_MAGIC, 5);
    out[6] = (uint8_t)k->cipher;
    return 0;
  }
  uint8_t used = 0;
  for (int i = DBID_AT; i < DBID_END; i++) used |= in[i];
  if (used) return PS_FAIL_FORMAT;
  memcpy(out, k->prefix, 16);
  memcpy(out + DBID_AT, k->dbid, 16);
  return 0;
}

static int seal(const ps_key *k, const uint8_t *in, uint8_t *out, int size, const ps_bind *b, const uint8_t *nonce_in) {
  size_t start = b->page1 ? HEADER_SIZE : 0;
  if ((size_t)size <= k->reserve + start) return PS_FAIL_FORMAT;
  size_t body_end = (size_t)size - k->reserve;
  if (b->page1 && in[20] != k->reserve) return PS_FAIL_RESERVE;
  /* A VACUUM that changes the page size in rollback mode copies pages of one size through the pager in
   * chunks of the other size: chunk boundaries are not page boundaries, so it cannot be encrypted page by
   * page. Page 1 then disagrees with its own header, and the write is refused (the journal restores it). */
  if (b->page1 && ps_header_page_size(in) != size) return PS_FAIL_PAGE_SIZE;
  uint8_t *tag = out + body_end, *nonce = tag + PS_TAG_SIZE;
  if (nonce_in) memcpy(nonce, nonce_in, k->nonce);
  else if (ps_fresh_nonce(nonce, k->nonce) != 0) return PS_FAIL_RANDOM;
  memcpy(out, in, body_end);
  if (b->page1) {
    int bad = seal_header(k, in, out);
    if (bad) return bad;
  }
  uint8_t ad[AD_MAX];
  size_t adlen = build_ad(k, b, out, ad);
  ps_aead_encrypt(&k->aead, out + start, body_end - start, adlen ? ad : NULL, adlen, nonce, tag, PS_TAG_SIZE);
  return 0;
}

/* Encrypts the page image `in` (SQLite's plaintext) into `out`, both `size` bytes. */
int ps_page_seal(const ps_key *k, const uint8_t *in, uint8_t *out, int size, const ps_bind *b) {
  return seal(k, in, out, size, b, NULL);
}

int ps_page_seal_with_nonce(const ps_key *k, const uint8_t *in, uint8_t *out, int size, const ps_bind *b,
                            const uint8_t *nonce) {
  return seal(k, in, out, size, b, nonce);
}

/* For the pageseal format, page 1 must carry the key's database id, and 88..91 must be zero. */
static int stored_id_ok(const ps_key *k, const uint8_t *stored) {
  if (k->format != PS_FORMAT_PAGESEAL) return 1;
  uint8_t d = 0;
  for (int i = 0; i < 16; i++) d |= stored[DBID_AT + i] ^ k->dbid[i];
  for (int i = DBID_AT + 16; i < DBID_END; i++) d |= stored[i];
  return d == 0;
}

/* Decrypts a stored page in place. On any failure the whole buffer is zeroed. */
int ps_page_open(const ps_key *k, uint8_t *buf, int size, const ps_bind *b) {
  size_t start = b->page1 ? HEADER_SIZE : 0;
  int rc = (size_t)size <= k->reserve + start ? PS_FAIL_FORMAT : 0;
  if (rc == 0 && b->page1) rc = ps_page1_prefix_ok(buf, k);
  if (rc == 0 && b->page1 && !stored_id_ok(k, buf)) rc = PS_FAIL_AUTH;
  size_t body_end = (size_t)size - k->reserve;
  if (rc == 0) {
    uint8_t ad[AD_MAX];
    size_t adlen = build_ad(k, b, buf, ad);
    const uint8_t *tag = buf + body_end, *nonce = tag + PS_TAG_SIZE;
    if (ps_aead_decrypt(&k->aead, buf + start, body_end - start, adlen ? ad : NULL, adlen, nonce, tag,
                        PS_TAG_SIZE) != 0)
      rc = PS_FAIL_AUTH;
  }
  if (rc == 0 && b->page1 && buf[20] != k->reserve) rc = PS_FAIL_RESERVE;
  if (rc != 0) {
    memset(buf, 0, (size_t)size);
    return rc;
  }
  if (b->page1) ps_page1_header_to_sqlite(k, buf, HEADER_SIZE, 0);
  memset(buf + body_end, 0, k->reserve);
  return 0;
}
