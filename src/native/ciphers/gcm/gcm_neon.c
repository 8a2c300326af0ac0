/*
 * AES-GCM with the ARMv8 AES and PMULL instructions (128-bit NEON registers), 8 blocks per step.
 *
 * GHASH uses the conventions of gcm_clmul.h (the x86 files): blocks byte-reversed on load, H' = H*x^(-1) kept
 * instead of H, so one carry-less product is A*H', and the 256-bit product reduced 64 bits at a time by a
 * multiply with 0xC200000000000000. PMULL multiplies the low halves of two registers, PMULL2 the high halves.
 * Eight blocks are hashed with one reduction (X0*H^8 + X1*H^7 + ... + X7*H), each product in three multiplies
 * (Karatsuba). AES: ARM's AESE adds the round key before SubBytes/ShiftRows, so round r is AESMC(AESE(x, rk[r]))
 * and the last is AESE(x, rk[Nr-1]) ^ rk[Nr] (ps_arm_crypto.h).
 */
#if defined(__aarch64__) /* ARM64 only; compiles to nothing elsewhere */
#include "ps_target.h"
PS_TARGET_PUSH(PS_TARGET_ARM_CRYPTO)
#include <arm_neon.h>
#include <string.h>
#include "gcm_internal.h"
#include "ps_aes_neon.h"
#include "ps_arm_crypto.h"

#define WIDE 8
#define INLINE static inline __attribute__((always_inline))

typedef struct {
  uint8x16_t rk[PS_AES_NEON_MAX_ROUNDS + 1];
  uint64x2_t h[WIDE];  /* h[i] = H'^(i+1) */
  uint64x2_t hk[WIDE]; /* low half: the two halves of h[i] xored (Karatsuba middle term) */
  int rounds;
} gcm_arm;

_Static_assert(sizeof(gcm_arm) <= PS_AEAD_STATE_MAX, "GCM ARM state too large");

/* ---- GF(2^128), byte-reversed blocks ---- */

INLINE uint64x2_t rev128(uint8x16_t x) {
  uint8x16_t r = vrev64q_u8(x);
  return vreinterpretq_u64_u8(vextq_u8(r, r, 8));
}
INLINE uint8x16_t unrev128(uint64x2_t x) {
  uint8x16_t r = vrev64q_u8(vreinterpretq_u8_u64(x));
  return vextq_u8(r, r, 8);
}
INLINE uint64x2_t swap64(uint64x2_t x) { return vextq_u64(x, x, 1); }
INLINE uint64x2_t xor3(uint64x2_t a, uint64x2_t b, uint64x2_t c) { return veorq_u64(a, veorq_u64(b, c)); }

/* Reduces the 256-bit carry-less product (hi:lo) to 128 bits (see gcm_clmul.h). */
INLINE uint64x2_t reduce(uint64x2_t lo, uint64x2_t hi) {
  const uint64x2_t k = vdupq_n_u64(0xC200000000000000ULL);
  uint64x2_t x = veorq_u64(swap64(lo), ps_arm_pmull_lo(lo, k));
  return xor3(hi, swap64(x), ps_arm_pmull_lo(x, k));
}

/* Folds a Karatsuba middle term into (lo, hi) and reduces. */
INLINE uint64x2_t combine(uint64x2_t lo, uint64x2_t mid, uint64x2_t hi) {
  const uint64x2_t z = vdupq_n_u64(0);
  return reduce(veorq_u64(lo, vextq_u64(z, mid, 1)), veorq_u64(hi, vextq_u64(mid, z, 1)));
}

/* a * b for a single block (setup and the length block). */
INLINE uint64x2_t gf_mul(uint64x2_t a, uint64x2_t b) {
  uint64x2_t mid = veorq_u64(ps_arm_pmull_lo(swap64(a), b), ps_arm_pmull_lo(a, swap64(b)));
  return combine(ps_arm_pmull_lo(a, b), mid, ps_arm_pmull_hi(a, b));
}

/* H' = H*x^(-1): shift left by one bit, folding the bit shifted out back in as x^(-1) = 0xC2000..01. */
INLINE uint64x2_t h_prime(uint64x2_t h) {
  uint64x2_t carries = vshrq_n_u64(h, 63);
  uint64x2_t shifted = vorrq_u64(vshlq_n_u64(h, 1), vextq_u64(vdupq_n_u64(0), carries, 1));
  uint64x2_t top = vreinterpretq_u64_s64(vshrq_n_s64(vreinterpretq_s64_u64(vdupq_laneq_u64(h, 1)), 63));
  const uint64x2_t x_inv = vcombine_u64(vcreate_u64(1), vcreate_u64(0xC200000000000000ULL));
  return veorq_u64(shifted, vandq_u64(top, x_inv));
}

typedef struct {
  uint64x2_t lo, mid, hi;
} acc;

/* a += x * h, unreduced, with hk the Karatsuba term of h. */
INLINE void acc_mul(acc *a, uint64x2_t x, uint64x2_t h, uint64x2_t hk) {
  a->lo = veorq_u64(a->lo, ps_arm_pmull_lo(x, h));
  a->hi = veorq_u64(a->hi, ps_arm_pmull_hi(x, h));
  a->mid = veorq_u64(a->mid, ps_arm_pmull_lo(veorq_u64(x, swap64(x)), hk));
}

/* Hashes n (1..8) byte-reversed blocks x[0..n-1] into xi: xi = (xi ^ x0)*H^n + x1*H^(n-1) + ... + x(n-1)*H. */
INLINE uint64x2_t ghash_n(const gcm_arm *g, uint64x2_t xi, const uint64x2_t *x, int n) {
  acc a = {vdupq_n_u64(0), vdupq_n_u64(0), vdupq_n_u64(0)};
  for (int j = 0; j < n; j++) acc_mul(&a, j == 0 ? veorq_u64(x[0], xi) : x[j], g->h[n - 1 - j], g->hk[n - 1 - j]);
  return combine(a.lo, xor3(a.mid, a.lo, a.hi), a.hi);
}

INLINE void load_reversed(uint64x2_t *x, const uint8_t *p, int n) {
  for (int j = 0; j < n; j++) x[j] = rev128(vld1q_u8(p + 16 * j));
}

/* Hashes len bytes (the last block zero-padded) into xi. */
static uint64x2_t ghash_bytes(const gcm_arm *g, uint64x2_t xi, const uint8_t *p, size_t len) {
  uint64x2_t x[WIDE];
  for (; len >= 16 * WIDE; p += 16 * WIDE, len -= 16 * WIDE) {
    load_reversed(x, p, WIDE);
    xi = ghash_n(g, xi, x, WIDE);
  }
  if (len) {
    uint8_t tmp[16 * WIDE] = {0};
    int n = (int)((len + 15) / 16);
    memcpy(tmp, p, len);
    load_reversed(x, tmp, n);
    xi = ghash_n(g, xi, x, n);
    ps_wipe(tmp, sizeof tmp);
  }
  return xi;
}

/* ---- AES ---- */

INLINE uint8x16_t aes_encrypt1(const uint8x16_t *rk, uint8x16_t b, int nr) {
  for (int r = 0; r < nr - 1; r++) b = ps_arm_aese_mc(b, rk[r]);
  return veorq_u8(ps_arm_aese(b, rk[nr - 1]), rk[nr]);
}

/* Keystream for the 8 counter blocks IV || be32(ctr + j), j = 0..7 (base holds the IV). */
INLINE void keystream8(const gcm_arm *g, uint8x16_t *b, uint32x4_t base, uint32_t ctr, const int nr) {
  for (int j = 0; j < WIDE; j++) b[j] = vreinterpretq_u8_u32(vsetq_lane_u32(__builtin_bswap32(ctr + (uint32_t)j), base, 3));
  for (int r = 0; r < nr - 1; r++)
    for (int j = 0; j < WIDE; j++) b[j] = ps_arm_aese_mc(b[j], g->rk[r]);
  for (int j = 0; j < WIDE; j++) b[j] = veorq_u8(ps_arm_aese(b[j], g->rk[nr - 1]), g->rk[nr]);
}

/* ---- GCM ---- */

/* Encrypts or decrypts buf in place; writes the full 16-byte tag to tag_out. */
INLINE void gcm_crypt(const gcm_arm *g, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                      const uint8_t *nonce, uint8_t *tag_out, int encrypt, const int nr) {
  uint8_t j0[16] = {0};
  memcpy(j0, nonce, 12);
  j0[15] = 1; /* J0 = IV || 0^31 || 1 (SP 800-38D 7.1) */
  uint8x16_t j0v = vld1q_u8(j0);
  uint32x4_t base = vreinterpretq_u32_u8(j0v);
  uint32_t ctr = 2; /* the payload starts at inc32(J0) */
  uint64x2_t xi = ghash_bytes(g, vdupq_n_u64(0), ad, adlen), x[WIDE];
  uint8x16_t b[WIDE];
  size_t i = 0;
  for (; i + 16 * WIDE <= len; i += 16 * WIDE, ctr += WIDE) {
    uint8_t *p = buf + i;
    if (!encrypt) load_reversed(x, p, WIDE); /* hash the ciphertext before it is overwritten */
    keystream8(g, b, base, ctr, nr);
    for (int j = 0; j < WIDE; j++) vst1q_u8(p + 16 * j, veorq_u8(b[j], vld1q_u8(p + 16 * j)));
    if (encrypt) load_reversed(x, p, WIDE);
    xi = ghash_n(g, xi, x, WIDE);
  }
  if (i < len) { /* the last partial group, through a zero-padded copy */
    size_t rest = len - i;
    uint8_t tmp[16 * WIDE] = {0};
    int n = (int)((rest + 15) / 16);
    memcpy(tmp, buf + i, rest);
    if (!encrypt) xi = ghash_bytes(g, xi, tmp, rest);
    keystream8(g, b, base, ctr, nr);
    for (int j = 0; j < n; j++) vst1q_u8(tmp + 16 * j, veorq_u8(b[j], vld1q_u8(tmp + 16 * j)));
    memcpy(buf + i, tmp, rest);
    if (encrypt) xi = ghash_bytes(g, xi, buf + i, rest);
    ps_wipe(tmp, sizeof tmp); /* held plaintext and keystream */
  }
  /* [len(A)]64 || [len(C)]64 in bits, byte-reversed: the low half holds len(C). */
  uint64x2_t lens = vcombine_u64(vcreate_u64((uint64_t)len * 8), vcreate_u64((uint64_t)adlen * 8));
  xi = gf_mul(veorq_u64(xi, lens), g->h[0]);
  vst1q_u8(tag_out, veorq_u8(unrev128(xi), aes_encrypt1(g->rk, j0v, nr))); /* tag = E_K(J0) ^ S */
}

/* ---- the ps_aead entry points ---- */

static void enc128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_arm *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 10);
  ps_gcm_put_tag(tag, taglen, full);
}

static void enc256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                   uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_arm *)ctx->state, buf, len, ad, adlen, nonce, full, 1, 14);
  ps_gcm_put_tag(tag, taglen, full);
}

static int dec128(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_arm *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 10);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

static int dec256(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                  const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_crypt((const gcm_arm *)ctx->state, buf, len, ad, adlen, nonce, full, 0, 14);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

int ps_gcm_neon_setup(ps_aead *ctx, const uint8_t *key) {
  gcm_arm *g = (gcm_arm *)ctx->state;
  g->rounds = ps_arm_aes_expand_key((uint8_t *)g->rk, key, ctx->key_size);
  if (g->rounds == 0) return -1;
  uint64x2_t h = h_prime(rev128(aes_encrypt1(g->rk, vdupq_n_u8(0), g->rounds))); /* H = E_K(0^128) */
  g->h[0] = h;
  for (int i = 1; i < WIDE; i++) g->h[i] = gf_mul(g->h[i - 1], h);
  for (int i = 0; i < WIDE; i++) g->hk[i] = veorq_u64(g->h[i], swap64(g->h[i]));
  ctx->path = PS_PATH_ARMV8_AES;
  ctx->encrypt = g->rounds == 10 ? enc128 : enc256;
  ctx->decrypt = g->rounds == 10 ? dec128 : dec256;
  return 0;
}
PS_TARGET_POP
#endif
