/*
 * One database page in Turso's encrypted format (docs/format.md). With page size P, nonce N and
 * tag T=16, a page is stored as ciphertext [0, P-N-T), tag [P-N-T, P-N), nonce [P-N, P), with empty
 * associated data. Page 1 instead stores "Turso" + 0x00 + cipher id + 9 zero bytes in place of SQLite's
 * 16-byte magic, keeps bytes 16..99 in plaintext, encrypts from byte 100 on, and authenticates the 100
 * stored header bytes as associated data. The decrypted page is the plaintext followed by N+T zeros.
 */
#include <pthread.h>
#include <string.h>
#include "ps_vfs.h"

static const uint8_t SQLITE_MAGIC[16] = "SQLite format 3";
static const uint8_t TURSO_MAGIC[5] = {'T', 'u', 'r', 's', 'o'};
#define HEADER_SIZE 100

int ps_is_page_size(sqlite3_int64 n) { return n >= 512 && n <= 65536 && (n & (n - 1)) == 0; }

/* Page size from the header (bytes 16..17, big-endian, 1 meaning 65536); 0 when invalid. */
int ps_header_page_size(const uint8_t *header) {
  int size = (header[16] << 8) | header[17];
  if (size == 1) size = 65536;
  return ps_is_page_size(size) ? size : 0;
}

int ps_page1_prefix_ok(const uint8_t *stored, int cipher) {
  if (memcmp(stored, TURSO_MAGIC, 5) != 0) return PS_FAIL_NOT_ENCRYPTED;
  uint8_t extra = stored[5];
  for (int i = 7; i < 16; i++) extra |= stored[i];
  if (extra != 0) return PS_FAIL_FORMAT;
  return stored[6] == cipher ? 0 : PS_FAIL_CIPHER;
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

/* Encrypts the page image `in` (SQLite's plaintext) into `out`, both `size` bytes. */
int ps_page_encrypt(const ps_key *k, const uint8_t *in, uint8_t *out, int size, int page1) {
  size_t start = page1 ? HEADER_SIZE : 0;
  if ((size_t)size <= k->reserve + start) return PS_FAIL_FORMAT;
  size_t body_end = (size_t)size - k->reserve;
  if (page1 && in[20] != k->reserve) return PS_FAIL_RESERVE;
  /* A VACUUM that changes the page size in rollback mode copies pages of one size through the pager in
   * chunks of the other size: chunk boundaries are not page boundaries, so it cannot be encrypted page by
   * page. Page 1 then disagrees with its own header, and the write is refused (the journal restores it). */
  if (page1 && ps_header_page_size(in) != size) return PS_FAIL_PAGE_SIZE;
  uint8_t *tag = out + body_end, *nonce = tag + PS_TAG_SIZE;
  if (ps_fresh_nonce(nonce, k->nonce) != 0) return PS_FAIL_RANDOM;
  memcpy(out, in, body_end);
  if (page1) {
    memset(out, 0, 16);
    memcpy(out, TURSO_MAGIC, 5);
    out[6] = (uint8_t)k->cipher;
  }
  ps_aead_encrypt(&k->aead, out + start, body_end - start, page1 ? out : NULL, page1 ? HEADER_SIZE : 0, nonce, tag,
                  PS_TAG_SIZE);
  return 0;
}

/* Decrypts a stored page in place. On any failure the whole buffer is zeroed. */
int ps_page_decrypt(const ps_key *k, uint8_t *buf, int size, int page1) {
  size_t start = page1 ? HEADER_SIZE : 0;
  int rc = (size_t)size <= k->reserve + start ? PS_FAIL_FORMAT : 0;
  if (rc == 0 && page1) rc = ps_page1_prefix_ok(buf, k->cipher);
  size_t body_end = (size_t)size - k->reserve;
  if (rc == 0) {
    const uint8_t *tag = buf + body_end, *nonce = tag + PS_TAG_SIZE;
    if (ps_aead_decrypt(&k->aead, buf + start, body_end - start, page1 ? buf : NULL, page1 ? HEADER_SIZE : 0, nonce,
                        tag, PS_TAG_SIZE) != 0)
      rc = PS_FAIL_AUTH;
  }
  if (rc == 0 && page1 && buf[20] != k->reserve) rc = PS_FAIL_RESERVE;
  if (rc != 0) {
    memset(buf, 0, (size_t)size);
    return rc;
  }
  if (page1) memcpy(buf, SQLITE_MAGIC, 16);
  memset(buf + body_end, 0, k->reserve);
  return 0;
}
