/*
 * A C harness for the native cipher core alone (no Node, no SQLite), so it can run where Node cannot: under
 * qemu-aarch64 for the ARM64 paths (scripts/test-arm64.mjs), or natively.
 *
 *   cipher_harness VECTORS_TXT [--expect-fast PATH] [--random N] [--seed S]
 *   cipher_harness --hwcap        (ARM64 Linux: prints the AES and PMULL bits of AT_HWCAP, as "aes pmull")
 *
 * VECTORS_TXT is the vectors/ JSON files in a line form (written by scripts/test-arm64.mjs):
 *   cipher_id taglen valid key nonce ad msg ct tag      (hex; "-" for empty, "?" for a missing plaintext)
 * Every vector runs on the fast path (the one ps_aead_init picks) and on the forced portable path: encrypt must
 * give ct and tag, decrypt must give msg back, and a must-fail entry must be rejected with the buffer zeroed.
 * Then N random cases per cipher compare the two paths (random key, nonce, associated data, length), decrypt
 * each path's output with the other, and check a flipped bit anywhere is rejected and wipes the buffer.
 * --expect-fast PATH fails unless every cipher's fast path is PATH (e.g. armv8-aes, or portable on a CPU
 * without the AES instructions). Exits 0 only when every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ps_aead.h"
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

static int failures = 0;
static long checks = 0;

#define CHECK(cond, ...)                                 \
  do {                                                   \
    checks++;                                            \
    if (!(cond)) {                                       \
      failures++;                                        \
      if (failures <= 20) {                              \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                    \
        fputc('\n', stderr);                             \
      }                                                  \
    }                                                    \
  } while (0)

/* ---- hex ---- */

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex ("-" = empty) into a new buffer (at least 1 byte); *len gets its size. NULL on bad input. */
static uint8_t *unhex(const char *s, size_t *len) {
  size_t n = strcmp(s, "-") == 0 ? 0 : strlen(s) / 2;
  uint8_t *out = malloc(n + 1);
  if (out == NULL) return NULL;
  for (size_t i = 0; i < n; i++) {
    int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(out);
      return NULL;
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  *len = n;
  return out;
}

static int all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* ---- vectors ---- */

typedef struct {
  int cipher, valid;
  size_t taglen, klen, nlen, adlen, mlen, clen, tlen;
  uint8_t *key, *nonce, *ad, *msg, *ct, *tag; /* msg NULL when the source gives none */
} vector;

static void run_vector(const vector *v, int portable, int line) {
  ps_aead ctx;
  const char *which = portable ? "portable" : "fast";
  int rc = ps_aead_init(&ctx, v->cipher, v->key, v->klen, portable ? PS_AEAD_FORCE_PORTABLE : 0);
  CHECK(rc == 0, "line %d (%s): init failed", line, which);
  if (rc != 0) return;
  if (portable) CHECK(ctx.path == PS_PATH_PORTABLE, "line %d: forced portable path is %s", line, ps_path_name(ctx.path));
  uint8_t *buf = malloc(v->clen + 1), tag[32];
  if (v->valid && v->msg != NULL) {
    memcpy(buf, v->msg, v->mlen);
    ps_aead_encrypt(&ctx, buf, v->mlen, v->ad, v->adlen, v->nonce, tag, v->taglen);
    CHECK(memcmp(buf, v->ct, v->clen) == 0, "line %d (%s, %s): ciphertext differs", line, which, ps_cipher_name(v->cipher));
    CHECK(memcmp(tag, v->tag, v->taglen) == 0, "line %d (%s, %s): tag differs", line, which, ps_cipher_name(v->cipher));
  }
  memcpy(buf, v->ct, v->clen);
  rc = ps_aead_decrypt(&ctx, buf, v->clen, v->ad, v->adlen, v->nonce, v->tag, v->taglen);
  if (v->valid) {
    CHECK(rc == 0, "line %d (%s, %s): valid entry rejected", line, which, ps_cipher_name(v->cipher));
    if (v->msg != NULL) CHECK(memcmp(buf, v->msg, v->mlen) == 0, "line %d (%s): plaintext differs", line, which);
  } else {
    CHECK(rc == -1, "line %d (%s, %s): must-fail entry accepted", line, which, ps_cipher_name(v->cipher));
    CHECK(all_zero(buf, v->clen), "line %d (%s): buffer not wiped after a rejected tag", line, which);
  }
  free(buf);
  ps_aead_wipe(&ctx);
  CHECK(all_zero((const uint8_t *)&ctx, sizeof ctx), "line %d: context not wiped", line);
}

static int run_vectors(const char *path, int counts[PS_CIPHER_MAX + 1]) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    perror(path);
    return -1;
  }
  static char lineb[1 << 20];
  int line = 0;
  while (fgets(lineb, sizeof lineb, f) != NULL) {
    line++;
    if (lineb[0] == '#' || lineb[0] == '\n') continue;
    char *tok[9];
    int n = 0;
    for (char *t = strtok(lineb, " \n"); t != NULL && n < 9; t = strtok(NULL, " \n")) tok[n++] = t;
    if (n != 9) {
      fprintf(stderr, "%s:%d: expected 9 fields\n", path, line);
      return -1;
    }
    vector v = {0};
    v.cipher = atoi(tok[0]);
    v.valid = atoi(tok[2]);
    v.taglen = (size_t)atoi(tok[1]);
    int has_msg = strcmp(tok[6], "?") != 0;
    v.key = unhex(tok[3], &v.klen);
    v.nonce = unhex(tok[4], &v.nlen);
    v.ad = unhex(tok[5], &v.adlen);
    v.msg = has_msg ? unhex(tok[6], &v.mlen) : NULL;
    v.ct = unhex(tok[7], &v.clen);
    v.tag = unhex(tok[8], &v.tlen);
    if (!v.key || !v.nonce || !v.ad || (has_msg && !v.msg) || !v.ct || !v.tag || v.cipher < PS_CIPHER_MIN ||
        v.cipher > PS_CIPHER_MAX || v.tlen != v.taglen) {
      fprintf(stderr, "%s:%d: bad entry\n", path, line);
      return -1;
    }
    run_vector(&v, 0, line);
    run_vector(&v, 1, line);
    counts[v.cipher]++;
    free(v.key), free(v.nonce), free(v.ad), free(v.msg), free(v.ct), free(v.tag);
  }
  fclose(f);
  return 0;
}

/* ---- random differential tests ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { /* xorshift64*: reproducible cases (the seed is printed) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dull;
}
static void rnd_fill(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(rnd() >> 56);
}

static size_t random_length(void) {
  static const size_t FIXED[] = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 4048, 4096, 65500};
  uint64_t r = rnd();
  if (r % 4 == 0) return FIXED[(r >> 8) % (sizeof FIXED / sizeof FIXED[0])];
  return (size_t)((r >> 16) % (r % 3 == 0 ? 5000 : 300));
}

static void differential(int cipher, int cases) {
  size_t klen = ps_cipher_key_size(cipher), nlen = ps_cipher_nonce_size(cipher);
  uint8_t key[32], nonce[32], ad[80], tf[16], tp[16];
  uint8_t *pt = malloc(65536), *a = malloc(65536), *b = malloc(65536);
  for (int c = 0; c < cases; c++) {
    size_t len = random_length(), adlen = (size_t)(rnd() % (sizeof ad + 1));
    rnd_fill(key, klen), rnd_fill(nonce, nlen), rnd_fill(ad, adlen), rnd_fill(pt, len);
    ps_aead fast, port;
    if (ps_aead_init(&fast, cipher, key, klen, 0) != 0 || ps_aead_init(&port, cipher, key, klen, PS_AEAD_FORCE_PORTABLE)) {
      CHECK(0, "%s: init failed", ps_cipher_name(cipher));
      break;
    }
    memcpy(a, pt, len), memcpy(b, pt, len);
    ps_aead_encrypt(&fast, a, len, ad, adlen, nonce, tf, 16);
    ps_aead_encrypt(&port, b, len, ad, adlen, nonce, tp, 16);
    CHECK(memcmp(a, b, len) == 0 && memcmp(tf, tp, 16) == 0, "%s len %zu ad %zu: fast and portable differ",
          ps_cipher_name(cipher), len, adlen);
    CHECK(ps_aead_decrypt(&port, a, len, ad, adlen, nonce, tf, 16) == 0 && memcmp(a, pt, len) == 0,
          "%s len %zu: portable cannot decrypt the fast path's output", ps_cipher_name(cipher), len);
    CHECK(ps_aead_decrypt(&fast, b, len, ad, adlen, nonce, tp, 16) == 0 && memcmp(b, pt, len) == 0,
          "%s len %zu: fast cannot decrypt the portable path's output", ps_cipher_name(cipher), len);
    /* One flipped bit (ciphertext, tag, associated data or nonce) must be rejected, the buffer wiped, on both. */
    ps_aead_encrypt(&fast, a, len, ad, adlen, nonce, tf, 16);
    uint64_t where = rnd() % 4;
    uint8_t bit = (uint8_t)(1u << (rnd() % 8));
    if (where == 0 && len == 0) where = 1;
    if (where == 2 && adlen == 0) where = 3;
    size_t at = where == 0 ? rnd() % len : where == 1 ? rnd() % 16 : where == 2 ? rnd() % adlen : rnd() % nlen;
    uint8_t *target = where == 0 ? a : where == 1 ? tf : where == 2 ? ad : nonce;
    target[at] ^= bit;
    for (int p = 0; p < 2; p++) {
      memcpy(b, a, len);
      int rc = ps_aead_decrypt(p ? &port : &fast, b, len, ad, adlen, nonce, tf, 16);
      CHECK(rc == -1, "%s len %zu (%s): tampered input accepted", ps_cipher_name(cipher), len, p ? "portable" : "fast");
      CHECK(all_zero(b, len), "%s len %zu (%s): buffer not wiped after a rejected tag", ps_cipher_name(cipher), len,
            p ? "portable" : "fast");
    }
    ps_aead_wipe(&fast), ps_aead_wipe(&port);
  }
  free(pt), free(a), free(b);
}

int main(int argc, char **argv) {
  const char *vectors = NULL, *expect = NULL;
  int cases = 200;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--hwcap") == 0) {
#if defined(__aarch64__) && defined(__linux__)
      unsigned long caps = getauxval(AT_HWCAP);
      printf("%s%s\n", caps & (1UL << 3) ? "aes " : "", caps & (1UL << 4) ? "pmull" : "");
#endif
      return 0;
    }
    if (strcmp(argv[i], "--expect-fast") == 0 && i + 1 < argc) expect = argv[++i];
    else if (strcmp(argv[i], "--random") == 0 && i + 1 < argc) cases = atoi(argv[++i]);
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) rng_state = strtoull(argv[++i], NULL, 0) | 1;
    else vectors = argv[i];
  }
  if (vectors == NULL) {
    fprintf(stderr, "usage: %s VECTORS_TXT [--expect-fast PATH] [--random N] [--seed S]\n", argv[0]);
    return 2;
  }
  printf("seed 0x%llx\n", (unsigned long long)rng_state);
  uint8_t key[32] = {0};
  for (int c = PS_CIPHER_MIN; c <= PS_CIPHER_MAX; c++) {
    ps_aead ctx;
    ps_aead_init(&ctx, c, key, ps_cipher_key_size(c), 0);
    printf("%-11s fast path: %s\n", ps_cipher_name(c), ps_path_name(ctx.path));
    if (expect != NULL) CHECK(strcmp(ps_path_name(ctx.path), expect) == 0, "%s: fast path is %s, expected %s",
                              ps_cipher_name(c), ps_path_name(ctx.path), expect);
    ps_aead_wipe(&ctx);
  }
  int counts[PS_CIPHER_MAX + 1] = {0};
  if (run_vectors(vectors, counts) != 0) return 2;
  for (int c = PS_CIPHER_MIN; c <= PS_CIPHER_MAX; c++) {
    printf("%-11s %3d vectors on both paths, %d random cases\n", ps_cipher_name(c), counts[c], cases);
    CHECK(counts[c] > 0, "%s: no vectors", ps_cipher_name(c));
    differential(c, cases);
  }
  /* The OS random source, over more than one 256-byte getentropy call: two reads, neither zero, and different. */
  static uint8_t r1[1000], r2[1000];
  CHECK(ps_random_bytes(r1, sizeof r1) == 0 && ps_random_bytes(r2, sizeof r2) == 0, "ps_random_bytes failed");
  CHECK(!all_zero(r1 + 744, 256) && memcmp(r1, r2, sizeof r1) != 0, "ps_random_bytes returned zero or equal bytes");
  printf("%ld checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
