/*
 * AES-GCM with VAES and VPCLMULQDQ on 512-bit registers (AVX-512F/BW): four blocks per register, 16 blocks
 * per step. The GHASH conventions (byte-reversed blocks, H' = H*x^(-1), reduction by 0xC2000..01) are in
 * gcm_clmul.h; here each step hashes 16 blocks as X0*H^16 + ... + X15*H with four
 * carry-less products per register (schoolbook), sums the four 128-bit lanes, and reduces once.
 * The final partial step (< 256 bytes) uses masked loads and stores.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,aes,pclmul,ssse3,sse4.1,avx2")
#include "gcm_clmul.h"
#include "gcm_internal.h"

#define LANES 4
#define STEP_BLOCKS 16
#define STEP_BYTES (16 * STEP_BLOCKS)
#define REGS (STEP_BLOCKS / LANES)

typedef struct {
  __m128i rk[PS_AES_MAX_ROUNDS + 1];
  /* H'^16, H'^15, ..., H'^1, then four zero blocks: the powers for blocks j = 0..n-1 of an n-block step are
   * the n entries starting at 16 - n (the zeros meet the padding lanes of a partial step). */
  __m128i hdesc[STEP_BLOCKS + LANES];
  int rounds;
} gcm_avx512;

_Static_assert(sizeof(gcm_avx512) <= PS_AEAD_STATE_MAX, "GCM AVX-512 state too large");

INLINE __m512i bswap512(__m512i x) {
  return _mm512_shuffle_epi8(x, _mm512_broadcast_i32x4(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
}

/* Swaps the last 32-bit word of each block between big-endian (the counter) and native order. */
INLINE __m512i bswap_ctr512(__m512i x) {
  return _mm512_shuffle_epi8(x, _mm512_broadcast_i32x4(_mm_set_epi8(12, 13, 14, 15, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)));
}

/* ---- GHASH ---- */

typedef struct {
  __m512i lo, mid, hi;
} acc;

INLINE void acc_zero(acc *a) { a->lo = a->mid = a->hi = _mm512_setzero_si512(); }

/* a += x * h lane by lane, unreduced. */
INLINE void acc_mul(acc *a, __m512i x, __m512i h) {
  a->lo = _mm512_xor_si512(a->lo, _mm512_clmulepi64_epi128(x, h, 0x00));
  a->hi = _mm512_xor_si512(a->hi, _mm512_clmulepi64_epi128(x, h, 0x11));
  a->mid = _mm512_ternarylogic_epi64(a->mid, _mm512_clmulepi64_epi128(x, h, 0x01), _mm512_clmulepi64_epi128(x, h, 0x10),
                                     0x96); /* three-way xor */
}

INLINE __m128i lanes_xor(__m512i z) {
  __m256i y = _mm256_xor_si256(_mm512_castsi512_si256(z), _mm512_extracti64x4_epi64(z, 1));
  return _mm_xor_si128(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
}

/* Sums the lanes and reduces (both steps are linear, so the order does not matter). */
INLINE __m128i acc_reduce(const acc *a) {
  __m128i lo = lanes_xor(a->lo), mid = lanes_xor(a->mid), hi = lanes_xor(a->hi);
  return reduce(_mm_xor_si128(lo, _mm_slli_si128(mid, 8)), _mm_xor_si128(hi, _mm_srli_si128(mid, 8)));
}

/* The H powers for register r of a step of n blocks. */
INLINE __m512i powers(const gcm_avx512 *g, int n, int r) {
  return _mm512_loadu_si512((const void *)&g->hdesc[STEP_BLOCKS - n + LANES * r]);
}

/* xi folded into lane 0 of the first register of a step. */
INLINE __m512i with_xi(__m512i x, __m128i xi) { return _mm512_xor_si512(x, _mm512_zextsi128_si512(xi)); }

/* Hashes the byte-reversed blocks x[0..] of an n-block step (n <= 16, padding lanes zero) into xi. */
INLINE __m128i ghash_step(const gcm_avx512 *g, __m128i xi, const __m512i *x, int n) {
  acc a;
  acc_zero(&a);
  for (int r = 0; r < (n + LANES - 1) / LANES; r++) acc_mul(&a, r == 0 ? with_xi(x[0], xi) : x[r], powers(g, n, r));
  return acc_reduce(&a);
}

INLINE __mmask64 byte_mask(size_t len, int r) {
  size_t have = len > (size_t)(64 * r) ? len - (size_t)(64 * r) : 0;
  return have >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << have) - 1);
}

/* Loads up to 256 bytes into four registers, zero beyond len, byte-reversed per block. */
INLINE void load_partial(__m512i *x, const uint8_t *p, size_t len) {
  for (int r = 0; r < REGS; r++) x[r] = bswap512(_mm512_maskz_loadu_epi8(byte_mask(len, r), p + 64 * r));
}

static __m128i ghash_bytes(const gcm_avx512 *g, __m128i xi, const uint8_t *p, size_t len) {
  __m512i x[REGS];
  for (; len >= STEP_BYTES; p += STEP_BYTES, len -= STEP_BYTES) {
    for (int r = 0; r < REGS; r++) x[r] = bswap512(_mm512_loadu_si512((const void *)(p + 64 * r)));
    xi = ghash_step(g, xi, x, STEP_BLOCKS);
  }
  if (len) {
    load_partial(x, p, len);
    xi = ghash_step(g, xi, x, (int)((len + 15) / 16));
  }
  return xi;
}

/* ---- AES-CTR ---- */

INLINE void load_keys(const gcm_avx512 *g, __m512i *k, const int nr) {
  for (int r = 0; r <= nr; r++) k[r] = _mm512_broadcast_i32x4(g->rk[r]);
}

/* Counter blocks ctr+0 .. ctr+15 (native-order counter word) whitened with round key 0. */
INLINE void counters(__m512i *b, __m512i ctr4, __m512i k0) {
  const __m512i four = _mm512_broadcast_i32x4(_mm_set_epi32(4, 0, 0, 0));
  for (int r = 0; r < REGS; r++, ctr4 = _mm512_add_epi32(ctr4, four)) b[r] = _mm512_xor_si512(bswap_ctr512(ctr4), k0);
}

INLINE void rounds_all(__m512i *b, const __m512i *k, const int nr) {
  for (int i = 1; i < nr; i++)
    for (int r = 0; r < REGS; r++) b[r] = _mm512_aesenc_epi128(b[r], k[i]);
  for (int r = 0; r < REGS; r++) b[r] = _mm512_aesenclast_epi128(b[r], k[nr]);
}

/* One full step: keystream for 16 counters, hashing `hash` (16 byte-reversed blocks) between the rounds. */
INLINE void step(const gcm_avx512 *g, const __m512i *k, __m512i *p, __m512i ctr4, __m128i *xi, const __m512i *hash,
                 int do_hash, const int nr) {
  __m512i b[REGS];
  acc a;
  acc_zero(&a);
  counters(b, ctr4, k[0]);
  for (int i = 1; i < nr; i++) {
    for (int r = 0; r < REGS; r++) b[r] = _mm512_aesenc_epi128(b[r], k[i]);
    if (do_hash && i <= REGS) {
      int r = i - 1;
      acc_mul(&a, r == 0 ? with_xi(hash[0], *xi) : hash[r], powers(g, STEP_BLOCKS, r));
    }
  }
  for (int r = 0; r < REGS; r++) {
    b[r] = _mm512_aesenclast_epi128(b[r], k[nr]);
    _mm512_storeu_si512((void *)(p + r), _mm512_xor_si512(b[r], _mm512_loadu_si512((const void *)(p + r))));
  }
  if (do_hash) *xi = acc_reduce(&a);
}

INLINE void load_reversed(__m512i *x, const __m512i *p) {
  for (int r = 0; r < REGS; r++) x[r] = bswap512(_mm512_loadu_si512((const void *)(p + r)));
}

/* The last partial step (< 256 bytes), with masked loads and stores. */
INLINE __m128i tail(const gcm_avx512 *g, const __m512i *k, uint8_t *p, size_t len, __m512i ctr4, __m128i xi, int encrypt,
                    const int nr) {
  __m512i b[REGS], x[REGS];
  int n = (int)((len + 15) / 16);
  if (!encrypt) {
    load_partial(x, p, len);
    xi = ghash_step(g, xi, x, n);
  }
  counters(b, ctr4, k[0]);
  rounds_all(b, k, nr);
  for (int r = 0; r < REGS; r++) {
    __mmask64 m = byte_mask(len, r);
    __m512i v = _mm512_xor_si512(b[r], _mm512_maskz_loadu_epi8(m, p + 64 * r));
    _mm512_mask_storeu_epi8(p + 64 * r, m, v);
    x[r] = bswap512(_mm512_maskz_mov_epi8(m, v));
  }
  if (encrypt) xi = ghash_step(g, xi, x, n);
  return xi;
}

INLINE void gcm_crypt(const gcm_avx512 *g, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                      uint8_t *tag_out, int encrypt, const int nr) {
  __m512i k[PS_AES_MAX_ROUNDS + 1], x[REGS];
  load_keys(g, k, nr);
  __m128i j0v = make_j0(nonce);
  __m512i ctr4 = _mm512_add_epi32(_mm512_broadcast_i32x4(bswap_ctr(j0v)), _mm512_set_epi32(4, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0));
  const __m512i sixteen = _mm512_broadcast_i32x4(_mm_set_epi32(STEP_BLOCKS, 0, 0, 0));
  __m128i xi = ghash_bytes(g, _mm_setzero_si128(), ad, adlen);
  size_t steps = len / STEP_BYTES;
  __m512i *p = (__m512i *)buf;

  for (size_t i = 0; i < steps; i++, p += REGS, ctr4 = _mm512_add_epi32(ctr4, sixteen)) {
    if (encrypt) { /* hash the previous step's ciphertext during this step's rounds */
      if (i > 0) load_reversed(x, p - REGS);
      step(g, k, p, ctr4, &xi, x, i > 0, nr);
    } else { /* hash this step's ciphertext before it is overwritten */
      load_reversed(x, p);
      step(g, k, p, ctr4, &xi, x, 1, nr);
    }
  }
  if (encrypt && steps > 0) {
    load_reversed(x, p - REGS);
    xi = ghash_step(g, xi, x, STEP_BLOCKS);
  }
  size_t rest = len % STEP_BYTES;
  if (rest) xi = tail(g, k, (uint8_t *)p, rest, ctr4, xi, encrypt, nr);

  xi = gf_mul(_mm_xor_si128(xi, length_block(adlen, len)), g->hdesc[STEP_BLOCKS - 1]);
  store_tag(tag_out, g->rk, nr, j0v, xi);
}

/* ---- the ps_aead entry points ---- */

static void enc128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_avx512 *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 10);
  ps_gcm_put_tag(tag, taglen, full);
}

static void enc256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_avx512 *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 14);
  ps_gcm_put_tag(tag, taglen, full);
}

static int dec128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_avx512 *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 10);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

static int dec256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_avx512 *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 14);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

int ps_gcm_avx512_setup(ps_aead *ctx, const uint8_t *key) {
  gcm_avx512 *g = (gcm_avx512 *)ctx->state;
  g->rounds = ps_aesni_expand_key((uint8_t *)g->rk, key, ctx->key_size);
  if (g->rounds == 0) return -1;
  __m128i h = hash_key(g->rk, g->rounds);
  __m128i power = h;
  for (int i = STEP_BLOCKS - 1; i >= 0; i--) {
    g->hdesc[i] = power;
    power = gf_mul(power, h);
  }
  for (int i = STEP_BLOCKS; i < STEP_BLOCKS + LANES; i++) g->hdesc[i] = _mm_setzero_si128();
  ctx->path = PS_PATH_AVX512;
  ctx->encrypt = g->rounds == 10 ? enc128 : enc256;
  ctx->decrypt = g->rounds == 10 ? dec128 : dec256;
  return 0;
}

PS_TARGET_POP
#endif
