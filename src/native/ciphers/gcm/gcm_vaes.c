/*
 * AES-GCM with VAES and VPCLMULQDQ on 256-bit registers (AVX2, for CPUs without AVX-512): two blocks per
 * register, 8 blocks per step. The GHASH conventions (byte-reversed blocks, H' = H*x^(-1), reduction by
 * 0xC2000..01) are in gcm_clmul.h; each step hashes 8 blocks as X0*H^8 + ... + X7*H with four carry-less
 * products per register (schoolbook), sums the two 128-bit lanes, and reduces once. The final partial step
 * (< 128 bytes) goes through a zero-padded copy.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("vaes,vpclmulqdq,avx2,aes,pclmul,ssse3,sse4.1")
#include "gcm_clmul.h"
#include "gcm_internal.h"

#define LANES 2
#define STEP_BLOCKS 8
#define STEP_BYTES (16 * STEP_BLOCKS)
#define REGS (STEP_BLOCKS / LANES)

typedef struct {
  __m128i rk[PS_AES_MAX_ROUNDS + 1];
  /* H'^8, H'^7, ..., H'^1, then two zero blocks: the powers for blocks j = 0..n-1 of an n-block step are the
   * n entries starting at 8 - n (the zeros meet the padding lane of a partial step). */
  __m128i hdesc[STEP_BLOCKS + LANES];
  int rounds;
} gcm_vaes;

_Static_assert(sizeof(gcm_vaes) <= PS_AEAD_STATE_MAX, "GCM VAES state too large");

INLINE __m256i bswap256(__m256i x) {
  return _mm256_shuffle_epi8(x, _mm256_broadcastsi128_si256(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
}

/* Swaps the last 32-bit word of each block between big-endian (the counter) and native order. */
INLINE __m256i bswap_ctr256(__m256i x) {
  return _mm256_shuffle_epi8(x, _mm256_broadcastsi128_si256(_mm_set_epi8(12, 13, 14, 15, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)));
}

/* ---- GHASH ---- */

typedef struct {
  __m256i lo, mid, hi;
} acc;

INLINE void acc_zero(acc *a) { a->lo = a->mid = a->hi = _mm256_setzero_si256(); }

/* a += x * h lane by lane, unreduced. */
INLINE void acc_mul(acc *a, __m256i x, __m256i h) {
  a->lo = _mm256_xor_si256(a->lo, _mm256_clmulepi64_epi128(x, h, 0x00));
  a->hi = _mm256_xor_si256(a->hi, _mm256_clmulepi64_epi128(x, h, 0x11));
  a->mid = _mm256_xor_si256(a->mid, _mm256_xor_si256(_mm256_clmulepi64_epi128(x, h, 0x01), _mm256_clmulepi64_epi128(x, h, 0x10)));
}

INLINE __m128i lanes_xor(__m256i y) { return _mm_xor_si128(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1)); }

/* Sums the lanes and reduces (both steps are linear, so the order does not matter). */
INLINE __m128i acc_reduce(const acc *a) {
  __m128i lo = lanes_xor(a->lo), mid = lanes_xor(a->mid), hi = lanes_xor(a->hi);
  return reduce(_mm_xor_si128(lo, _mm_slli_si128(mid, 8)), _mm_xor_si128(hi, _mm_srli_si128(mid, 8)));
}

/* The H powers for register r of a step of n blocks. */
INLINE __m256i powers(const gcm_vaes *g, int n, int r) {
  return _mm256_loadu_si256((const __m256i *)&g->hdesc[STEP_BLOCKS - n + LANES * r]);
}

/* xi folded into lane 0 of the first register of a step. */
INLINE __m256i with_xi(__m256i x, __m128i xi) { return _mm256_xor_si256(x, _mm256_zextsi128_si256(xi)); }

/* Hashes the byte-reversed blocks x[0..] of an n-block step (n <= 8, padding lanes zero) into xi. */
INLINE __m128i ghash_step(const gcm_vaes *g, __m128i xi, const __m256i *x, int n) {
  acc a;
  acc_zero(&a);
  for (int r = 0; r < (n + LANES - 1) / LANES; r++) acc_mul(&a, r == 0 ? with_xi(x[0], xi) : x[r], powers(g, n, r));
  return acc_reduce(&a);
}

INLINE void load_reversed(__m256i *x, const uint8_t *p) {
  for (int r = 0; r < REGS; r++) x[r] = bswap256(_mm256_loadu_si256((const __m256i *)(p + 32 * r)));
}

/* Hashes len bytes (the last block zero-padded) into xi. */
static __m128i ghash_bytes(const gcm_vaes *g, __m128i xi, const uint8_t *p, size_t len) {
  __m256i x[REGS];
  for (; len >= STEP_BYTES; p += STEP_BYTES, len -= STEP_BYTES) {
    load_reversed(x, p);
    xi = ghash_step(g, xi, x, STEP_BLOCKS);
  }
  if (len) {
    _Alignas(32) uint8_t tmp[STEP_BYTES] = {0};
    memcpy(tmp, p, len);
    load_reversed(x, tmp);
    xi = ghash_step(g, xi, x, (int)((len + 15) / 16));
    ps_wipe(tmp, sizeof tmp);
  }
  return xi;
}

/* ---- AES-CTR ---- */

/* Counter blocks ctr+0 .. ctr+7 (native-order counter word) whitened with round key 0. */
INLINE void counters(__m256i *b, __m256i ctr2, __m256i k0) {
  const __m256i two = _mm256_broadcastsi128_si256(_mm_set_epi32(2, 0, 0, 0));
  for (int r = 0; r < REGS; r++, ctr2 = _mm256_add_epi32(ctr2, two)) b[r] = _mm256_xor_si256(bswap_ctr256(ctr2), k0);
}

INLINE __m256i key(const gcm_vaes *g, int i) { return _mm256_broadcastsi128_si256(g->rk[i]); }

INLINE void rounds_all(const gcm_vaes *g, __m256i *b, const int nr) {
  for (int i = 1; i < nr; i++) {
    __m256i k = key(g, i);
    for (int r = 0; r < REGS; r++) b[r] = _mm256_aesenc_epi128(b[r], k);
  }
  __m256i k = key(g, nr);
  for (int r = 0; r < REGS; r++) b[r] = _mm256_aesenclast_epi128(b[r], k);
}

/* One full step: keystream for 8 counters, hashing `hash` (8 byte-reversed blocks) between the rounds. */
INLINE void step(const gcm_vaes *g, __m256i *p, __m256i ctr2, __m128i *xi, const __m256i *hash, int do_hash, const int nr) {
  __m256i b[REGS];
  acc a;
  acc_zero(&a);
  counters(b, ctr2, key(g, 0));
  for (int i = 1; i < nr; i++) {
    __m256i k = key(g, i);
    for (int r = 0; r < REGS; r++) b[r] = _mm256_aesenc_epi128(b[r], k);
    if (do_hash && i <= REGS) {
      int r = i - 1;
      acc_mul(&a, r == 0 ? with_xi(hash[0], *xi) : hash[r], powers(g, STEP_BLOCKS, r));
    }
  }
  __m256i k = key(g, nr);
  for (int r = 0; r < REGS; r++) {
    b[r] = _mm256_aesenclast_epi128(b[r], k);
    _mm256_storeu_si256(p + r, _mm256_xor_si256(b[r], _mm256_loadu_si256(p + r)));
  }
  if (do_hash) *xi = acc_reduce(&a);
}

/* The last partial step (< 128 bytes), through a zero-padded copy. */
INLINE __m128i tail(const gcm_vaes *g, uint8_t *p, size_t len, __m256i ctr2, __m128i xi, int encrypt, const int nr) {
  _Alignas(32) uint8_t tmp[STEP_BYTES] = {0};
  __m256i b[REGS], x[REGS];
  int n = (int)((len + 15) / 16);
  memcpy(tmp, p, len);
  if (!encrypt) {
    load_reversed(x, tmp);
    xi = ghash_step(g, xi, x, n);
  }
  counters(b, ctr2, key(g, 0));
  rounds_all(g, b, nr);
  for (int r = 0; r < REGS; r++) {
    __m256i *t = (__m256i *)tmp + r;
    _mm256_store_si256(t, _mm256_xor_si256(b[r], _mm256_load_si256(t)));
  }
  memcpy(p, tmp, len);
  if (encrypt) {
    memset(tmp + len, 0, sizeof tmp - len);
    load_reversed(x, tmp);
    xi = ghash_step(g, xi, x, n);
  }
  ps_wipe(tmp, sizeof tmp);
  return xi;
}

INLINE void gcm_crypt(const gcm_vaes *g, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                      uint8_t *tag_out, int encrypt, const int nr) {
  __m256i x[REGS];
  __m128i j0v = make_j0(nonce);
  __m256i ctr2 = _mm256_add_epi32(_mm256_broadcastsi128_si256(bswap_ctr(j0v)), _mm256_set_epi32(2, 0, 0, 0, 1, 0, 0, 0));
  const __m256i eight = _mm256_broadcastsi128_si256(_mm_set_epi32(STEP_BLOCKS, 0, 0, 0));
  __m128i xi = ghash_bytes(g, _mm_setzero_si128(), ad, adlen);
  size_t steps = len / STEP_BYTES;
  __m256i *p = (__m256i *)buf;

  for (size_t i = 0; i < steps; i++, p += REGS, ctr2 = _mm256_add_epi32(ctr2, eight)) {
    if (encrypt) { /* hash the previous step's ciphertext during this step's rounds */
      if (i > 0) load_reversed(x, (const uint8_t *)(p - REGS));
      step(g, p, ctr2, &xi, x, i > 0, nr);
    } else { /* hash this step's ciphertext before it is overwritten */
      load_reversed(x, (const uint8_t *)p);
      step(g, p, ctr2, &xi, x, 1, nr);
    }
  }
  if (encrypt && steps > 0) {
    load_reversed(x, (const uint8_t *)(p - REGS));
    xi = ghash_step(g, xi, x, STEP_BLOCKS);
  }
  size_t rest = len % STEP_BYTES;
  if (rest) xi = tail(g, (uint8_t *)p, rest, ctr2, xi, encrypt, nr);

  xi = gf_mul(_mm_xor_si128(xi, length_block(adlen, len)), g->hdesc[STEP_BLOCKS - 1]);
  store_tag(tag_out, g->rk, nr, j0v, xi);
}

/* ---- the ps_aead entry points ---- */

static void enc128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_vaes *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 10);
  ps_gcm_put_tag(tag, taglen, full);
}

static void enc256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_vaes *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 14);
  ps_gcm_put_tag(tag, taglen, full);
}

static int dec128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_vaes *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 10);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

static int dec256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_vaes *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 14);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

int ps_gcm_vaes_setup(ps_aead *ctx, const uint8_t *key) {
  gcm_vaes *g = (gcm_vaes *)ctx->state;
  g->rounds = ps_aesni_expand_key((uint8_t *)g->rk, key, ctx->key_size);
  if (g->rounds == 0) return -1;
  __m128i h = hash_key(g->rk, g->rounds);
  __m128i power = h;
  for (int i = STEP_BLOCKS - 1; i >= 0; i--) {
    g->hdesc[i] = power;
    power = gf_mul(power, h);
  }
  for (int i = STEP_BLOCKS; i < STEP_BLOCKS + LANES; i++) g->hdesc[i] = _mm_setzero_si128();
  ctx->path = PS_PATH_VAES_AVX2;
  ctx->encrypt = g->rounds == 10 ? enc128 : enc256;
  ctx->decrypt = g->rounds == 10 ? dec128 : dec256;
  return 0;
}

PS_TARGET_POP
#endif
