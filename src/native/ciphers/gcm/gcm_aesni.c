/*
 * AES-GCM with AES-NI and PCLMULQDQ (128-bit registers), 8 blocks per step.
 *
 * GHASH conventions (byte-reversed blocks, H' = H*x^(-1), reduction by 0xC2000..01): see gcm_clmul.h.
 *
 * Eight blocks are hashed with one reduction (aggregated: X0*H^8 + X1*H^7 + ... + X7*H), each product in three
 * multiplies (Karatsuba), and the hashing of one group of ciphertext blocks runs interleaved with the AES rounds
 * of the next (encrypt) or the same (decrypt) group.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("aes,pclmul,ssse3,sse4.1")
#include "gcm_clmul.h"
#include "gcm_internal.h"

#define WIDE 8

typedef struct {
  __m128i rk[PS_AES_MAX_ROUNDS + 1];
  __m128i h[WIDE];  /* h[i] = H'^(i+1) */
  __m128i hk[WIDE]; /* low qword: the two halves of h[i] xored (Karatsuba middle term) */
  int rounds;
} gcm_ni;

_Static_assert(sizeof(gcm_ni) <= PS_AEAD_STATE_MAX, "GCM AES-NI state too large");

/* ---- GHASH ---- */

typedef struct {
  __m128i lo, mid, hi;
} acc;

INLINE void acc_zero(acc *a) { a->lo = a->mid = a->hi = _mm_setzero_si128(); }

/* a += x * h, unreduced, with hk the Karatsuba term of h. */
INLINE void acc_mul(acc *a, __m128i x, __m128i h, __m128i hk) {
  a->lo = _mm_xor_si128(a->lo, _mm_clmulepi64_si128(x, h, 0x00));
  a->hi = _mm_xor_si128(a->hi, _mm_clmulepi64_si128(x, h, 0x11));
  __m128i xk = _mm_xor_si128(x, _mm_shuffle_epi32(x, 0x4e));
  a->mid = _mm_xor_si128(a->mid, _mm_clmulepi64_si128(xk, hk, 0x00));
}

INLINE __m128i acc_reduce(const acc *a) {
  __m128i mid = _mm_xor_si128(a->mid, _mm_xor_si128(a->lo, a->hi));
  __m128i lo = _mm_xor_si128(a->lo, _mm_slli_si128(mid, 8));
  __m128i hi = _mm_xor_si128(a->hi, _mm_srli_si128(mid, 8));
  return reduce(lo, hi);
}

INLINE __m128i karatsuba_term(__m128i h) { return _mm_xor_si128(h, _mm_shuffle_epi32(h, 0x4e)); }

/* Hashes n (1..8) byte-reversed blocks x[0..n-1] into xi: xi = (xi ^ x0)*H^n + x1*H^(n-1) + ... + x(n-1)*H. */
INLINE __m128i ghash_n(const gcm_ni *g, __m128i xi, const __m128i *x, int n) {
  acc a;
  acc_zero(&a);
  for (int j = 0; j < n; j++) {
    __m128i v = j == 0 ? _mm_xor_si128(x[0], xi) : x[j];
    acc_mul(&a, v, g->h[n - 1 - j], g->hk[n - 1 - j]);
  }
  return acc_reduce(&a);
}

/* Hashes len bytes (the last block zero-padded) into xi. */
static __m128i ghash_bytes(const gcm_ni *g, __m128i xi, const uint8_t *p, size_t len) {
  __m128i x[WIDE];
  for (; len >= 16 * WIDE; p += 16 * WIDE, len -= 16 * WIDE) {
    for (int j = 0; j < WIDE; j++) x[j] = bswap128(_mm_loadu_si128((const __m128i *)p + j));
    xi = ghash_n(g, xi, x, WIDE);
  }
  if (len) {
    _Alignas(16) uint8_t tmp[16 * WIDE] = {0};
    int n = (int)((len + 15) / 16);
    memcpy(tmp, p, len);
    for (int j = 0; j < n; j++) x[j] = bswap128(_mm_load_si128((const __m128i *)tmp + j));
    xi = ghash_n(g, xi, x, n);
    ps_wipe(tmp, sizeof tmp);
  }
  return xi;
}

/* ---- AES-CTR ---- */

INLINE void round8(__m128i *b, __m128i k) {
  for (int j = 0; j < WIDE; j++) b[j] = _mm_aesenc_si128(b[j], k);
}

INLINE void last8(__m128i *b, __m128i k) {
  for (int j = 0; j < WIDE; j++) b[j] = _mm_aesenclast_si128(b[j], k);
}

/* Eight counter blocks ctr+0..ctr+7 (ctr has its counter word in native order), whitened with round key 0. */
INLINE void counters8(__m128i *b, __m128i ctr, __m128i k0) {
  for (int j = 0; j < WIDE; j++) b[j] = _mm_xor_si128(bswap_ctr(_mm_add_epi32(ctr, _mm_set_epi32(j, 0, 0, 0))), k0);
}

/*
 * One group of 8 blocks: encrypts counters ctr..ctr+7 while hashing the 8 byte-reversed blocks in `hash`
 * (when do_hash), then xors the keystream into in[] and writes out[]. Returns the new GHASH state via *xi.
 */
INLINE void group8(const gcm_ni *g, const __m128i *in, __m128i *out, __m128i ctr, __m128i *xi, const __m128i *hash,
                   int do_hash, const int nr) {
  __m128i b[WIDE];
  acc a;
  acc_zero(&a);
  counters8(b, ctr, g->rk[0]);
  for (int r = 1; r < nr; r++) {
    round8(b, g->rk[r]);
    if (do_hash && r <= WIDE) {
      __m128i v = r == 1 ? _mm_xor_si128(hash[0], *xi) : hash[r - 1];
      acc_mul(&a, v, g->h[WIDE - r], g->hk[WIDE - r]);
    }
  }
  last8(b, g->rk[nr]);
  for (int j = 0; j < WIDE; j++) _mm_storeu_si128(out + j, _mm_xor_si128(b[j], _mm_loadu_si128(in + j)));
  if (do_hash) *xi = acc_reduce(&a);
}

INLINE void load_reversed8(__m128i *x, const uint8_t *p) {
  for (int j = 0; j < WIDE; j++) x[j] = bswap128(_mm_loadu_si128((const __m128i *)p + j));
}

/* The final partial group (< 128 bytes): keystream for up to 8 blocks, hashing the zero-padded ciphertext. */
INLINE __m128i tail(const gcm_ni *g, uint8_t *p, size_t len, __m128i ctr, __m128i xi, int encrypt, const int nr) {
  _Alignas(16) uint8_t tmp[16 * WIDE] = {0};
  __m128i b[WIDE], x[WIDE];
  int n = (int)((len + 15) / 16);
  memcpy(tmp, p, len);
  if (!encrypt) xi = ghash_bytes(g, xi, tmp, len);
  counters8(b, ctr, g->rk[0]);
  for (int r = 1; r < nr; r++) round8(b, g->rk[r]);
  last8(b, g->rk[nr]);
  for (int j = 0; j < n; j++) _mm_store_si128((__m128i *)tmp + j, _mm_xor_si128(b[j], _mm_load_si128((__m128i *)tmp + j)));
  memcpy(p, tmp, len);
  if (encrypt) {
    memset(tmp + len, 0, sizeof tmp - len);
    for (int j = 0; j < n; j++) x[j] = bswap128(_mm_load_si128((const __m128i *)tmp + j));
    xi = ghash_n(g, xi, x, n);
  }
  ps_wipe(tmp, sizeof tmp);
  return xi;
}

/* Encrypts or decrypts buf in place; writes the full 16-byte tag to tag_out. */
INLINE void gcm_crypt(const gcm_ni *g, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                      uint8_t *tag_out, int encrypt, const int nr) {
  __m128i j0v = make_j0(nonce);
  __m128i ctr = _mm_add_epi32(bswap_ctr(j0v), _mm_set_epi32(1, 0, 0, 0));
  __m128i xi = ghash_bytes(g, _mm_setzero_si128(), ad, adlen);
  __m128i x[WIDE];
  size_t groups = len / (16 * WIDE);
  const __m128i step = _mm_set_epi32(WIDE, 0, 0, 0);
  __m128i *p = (__m128i *)buf;

  for (size_t i = 0; i < groups; i++, p += WIDE, ctr = _mm_add_epi32(ctr, step)) {
    if (encrypt) { /* hash the previous group's ciphertext during this group's rounds */
      if (i > 0) load_reversed8(x, (const uint8_t *)(p - WIDE));
      group8(g, p, p, ctr, &xi, x, i > 0, nr);
    } else { /* hash this group's ciphertext before it is overwritten */
      load_reversed8(x, (const uint8_t *)p);
      group8(g, p, p, ctr, &xi, x, 1, nr);
    }
  }
  if (encrypt && groups > 0) {
    load_reversed8(x, (const uint8_t *)(p - WIDE));
    xi = ghash_n(g, xi, x, WIDE);
  }
  size_t rest = len % (16 * WIDE);
  if (rest) xi = tail(g, (uint8_t *)p, rest, ctr, xi, encrypt, nr);

  xi = gf_mul(_mm_xor_si128(xi, length_block(adlen, len)), g->h[0]);
  store_tag(tag_out, g->rk, nr, j0v, xi);
}

/* ---- the ps_aead entry points ---- */

static void enc128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_ni *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 10);
  ps_gcm_put_tag(tag, taglen, full);
}

static void enc256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_ni *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 14);
  ps_gcm_put_tag(tag, taglen, full);
}

static int dec128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_ni *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 10);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

static int dec256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_ni *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 14);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

int ps_gcm_aesni_setup(ps_aead *ctx, const uint8_t *key) {
  gcm_ni *g = (gcm_ni *)ctx->state;
  g->rounds = ps_aesni_expand_key((uint8_t *)g->rk, key, ctx->key_size);
  if (g->rounds == 0) return -1;
  __m128i h = hash_key(g->rk, g->rounds);
  g->h[0] = h;
  for (int i = 1; i < WIDE; i++) g->h[i] = gf_mul(g->h[i - 1], h);
  for (int i = 0; i < WIDE; i++) g->hk[i] = karatsuba_term(g->h[i]);
  ctx->path = PS_PATH_AESNI;
  ctx->encrypt = g->rounds == 10 ? enc128 : enc256;
  ctx->decrypt = g->rounds == 10 ? dec128 : dec256;
  return 0;
}

PS_TARGET_POP
#endif
