/*
 * AES-GCM in portable C, constant-time: the bitsliced AES of ps_aes_portable.h for CTR and E_K(J0), and a
 * GHASH with no table lookups and no secret-dependent branches.
 *
 * GHASH (SP 800-38D 6.3): a block read as a big-endian 128-bit integer holds the coefficient of x^i in bit
 * 127-i (bit-reflected). The carry-less product of two such integers, read as 256 bits, is x*A*B; keeping
 * H' = H*x^(-1) mod P makes it A*H, and the 128 low bits (high powers of x) are folded back 64 at a time by
 * a carry-less multiply with 0xC200000000000000 (x^(-1) = x^127 + x^6 + x + 1), here just three shifts.
 *
 * The 64x64 carry-less multiply uses the integer multiplier on operands with "holes": each operand is split
 * into 5 parts keeping every 5th bit. A product of two parts has at most 13 terms at any bit position, so its
 * integer carries stay within the next 4 bits and never reach the next bit of the same residue mod 5; the
 * bits of each residue are then masked out and combined. Integer multiplication runs in constant time on the
 * CPUs this targets.
 */
#include <string.h>
#include "gcm_internal.h"
#include "ps_aes_portable.h"

typedef struct {
  uint64_t hi, lo; /* hi: block bytes 0..7 as a big-endian integer; lo: bytes 8..15 */
} u128;

typedef struct {
  ps_aes_ct_key aes;
  u128 h;      /* H' = H * x^(-1) */
  uint64_t hx; /* h.hi ^ h.lo (Karatsuba middle operand) */
} gcm_ct;

_Static_assert(sizeof(gcm_ct) <= PS_AEAD_STATE_MAX, "GCM portable state too large");

#if defined(__SIZEOF_INT128__) && !defined(PS_GCM_NO_INT128)
typedef unsigned __int128 wide;

/* Bits at positions equal to r mod 5, r = 0..4. */
static const uint64_t HOLES[5] = {0x1084210842108421ull, 0x2108421084210842ull, 0x4210842108421084ull,
                                  0x8421084210842108ull, 0x0842108421084210ull};

/* Carry-less 64x64 -> 128 multiply. */
static u128 clmul64(uint64_t x, uint64_t y) {
  uint64_t xs[5], ys[5];
  for (int i = 0; i < 5; i++) {
    xs[i] = x & HOLES[i];
    ys[i] = y & HOLES[i];
  }
  wide z = 0;
  for (int r = 0; r < 5; r++) {
    wide t = 0;
    for (int i = 0; i < 5; i++) t ^= (wide)xs[i] * ys[(r - i + 5) % 5];
    /* 128-bit positions = r mod 5: HOLES[r] below bit 64, HOLES[r+1] above (64 = 4 mod 5). */
    wide mask = ((wide)HOLES[(r + 1) % 5] << 64) | HOLES[r];
    z |= t & mask;
  }
  return (u128){(uint64_t)(z >> 64), (uint64_t)z};
}
#else
/* Without a 128-bit integer type: 32x32 -> 64 with 4 holes (at most 8 terms per bit, so carries stay within
 * 3 bits), and 64x64 from four of those. */
static uint64_t clmul32(uint32_t x, uint32_t y) {
  static const uint32_t M[4] = {0x11111111u, 0x22222222u, 0x44444444u, 0x88888888u};
  static const uint64_t M64[4] = {0x1111111111111111ull, 0x2222222222222222ull, 0x4444444444444444ull,
                                  0x8888888888888888ull};
  uint64_t z = 0;
  for (int r = 0; r < 4; r++) {
    uint64_t t = 0;
    for (int i = 0; i < 4; i++) t ^= (uint64_t)(x & M[i]) * (y & M[(r - i + 4) % 4]);
    z |= t & M64[r];
  }
  return z;
}

static u128 clmul64(uint64_t x, uint64_t y) {
  uint64_t lo = clmul32((uint32_t)x, (uint32_t)y), hi = clmul32((uint32_t)(x >> 32), (uint32_t)(y >> 32));
  uint64_t mid = clmul32((uint32_t)x, (uint32_t)(y >> 32)) ^ clmul32((uint32_t)(x >> 32), (uint32_t)y);
  return (u128){hi ^ (mid >> 32), lo ^ (mid << 32)};
}
#endif

/* x * h' in GF(2^128), with hx = h'.hi ^ h'.lo. */
static u128 gf_mul(u128 x, u128 h, uint64_t hx) {
  u128 lo = clmul64(x.lo, h.lo), hi = clmul64(x.hi, h.hi), mid = clmul64(x.lo ^ x.hi, hx);
  mid.lo ^= lo.lo ^ hi.lo;
  mid.hi ^= lo.hi ^ hi.hi;
  uint64_t c0 = lo.lo, c1 = lo.hi ^ mid.lo, c2 = hi.lo ^ mid.hi, c3 = hi.hi;
  /* fold c0 (times 0xC200000000000000, placed 64 bits up), then the updated c1 */
  uint64_t x0 = c1 ^ (c0 << 63) ^ (c0 << 62) ^ (c0 << 57);
  uint64_t x1 = c0 ^ (c0 >> 1) ^ (c0 >> 2) ^ (c0 >> 7);
  return (u128){c3 ^ x0 ^ (x0 >> 1) ^ (x0 >> 2) ^ (x0 >> 7), c2 ^ x1 ^ (x0 << 63) ^ (x0 << 62) ^ (x0 << 57)};
}

static uint64_t load_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

static void store_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

/* y = (y ^ block) * H for every 16-byte block of p (the last one zero-padded). */
static u128 ghash(const gcm_ct *g, u128 y, const uint8_t *p, size_t len) {
  uint8_t pad[16];
  while (len > 0) {
    const uint8_t *b = p;
    size_t n = len < 16 ? len : 16;
    if (n < 16) {
      memset(pad, 0, sizeof pad);
      memcpy(pad, p, n);
      b = pad;
    }
    y.hi ^= load_be64(b);
    y.lo ^= load_be64(b + 8);
    y = gf_mul(y, g->h, g->hx);
    p += n;
    len -= n;
  }
  ps_wipe(pad, sizeof pad);
  return y;
}

#define CHUNK_BLOCKS 32 /* keystream made 512 bytes at a time */

/* Encrypts (hash after xor) or decrypts (hash before xor) buf in place; returns the GHASH state before lengths. */
static u128 crypt_payload(const gcm_ct *g, uint8_t *buf, size_t len, const uint8_t *nonce, u128 y, int encrypt) {
  uint8_t ks[16 * CHUNK_BLOCKS];
  uint32_t ctr = 2; /* inc32(J0) */
  while (len > 0) {
    size_t n = len < sizeof ks ? len : sizeof ks;
    size_t blocks = (n + 15) / 16;
    ps_aes_ct_ctr_keystream(&g->aes, ks, nonce, ctr, blocks);
    if (!encrypt) y = ghash(g, y, buf, n);
    for (size_t i = 0; i < n; i++) buf[i] ^= ks[i];
    if (encrypt) y = ghash(g, y, buf, n);
    ctr += (uint32_t)blocks;
    buf += n;
    len -= n;
  }
  ps_wipe(ks, sizeof ks);
  return y;
}

static void gcm_ct_crypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                         const uint8_t *nonce, uint8_t tag[16], int encrypt) {
  const gcm_ct *g = (const gcm_ct *)ctx->state;
  u128 y = ghash(g, (u128){0, 0}, ad, adlen);
  y = crypt_payload(g, buf, len, nonce, y, encrypt);
  y.hi ^= (uint64_t)adlen * 8; /* [len(A)]64 || [len(C)]64, in bits */
  y.lo ^= (uint64_t)len * 8;
  y = gf_mul(y, g->h, g->hx);
  uint8_t ekj0[16];
  ps_aes_ct_ctr_keystream(&g->aes, ekj0, nonce, 1, 1); /* E_K(J0) */
  store_be64(tag, y.hi);
  store_be64(tag + 8, y.lo);
  for (int i = 0; i < 16; i++) tag[i] ^= ekj0[i];
  ps_wipe(ekj0, sizeof ekj0);
}

static void enc(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
                uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_ct_crypt(ctx, buf, len, ad, adlen, nonce, full, 1);
  ps_gcm_put_tag(tag, taglen, full);
}

static int dec(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen, const uint8_t *nonce,
               const uint8_t *tag, size_t taglen) {
  uint8_t full[16];
  gcm_ct_crypt(ctx, buf, len, ad, adlen, nonce, full, 0);
  return ps_gcm_finish_decrypt(buf, len, full, tag, taglen);
}

int ps_gcm_portable_setup(ps_aead *ctx, const uint8_t *key) {
  gcm_ct *g = (gcm_ct *)ctx->state;
  if (ps_aes_ct_expand(&g->aes, key, ctx->key_size) != 0) return -1;
  uint8_t h[16] = {0};
  ps_aes_ct_encrypt_blocks(&g->aes, h, h, 1); /* H = E_K(0^128) */
  u128 v = {load_be64(h), load_be64(h + 8)};
  ps_wipe(h, sizeof h);
  uint64_t fold = 0 - (v.hi >> 63); /* all ones when the bit shifted out (x^0) is set: add x^(-1) */
  g->h.hi = (v.hi << 1 | v.lo >> 63) ^ (fold & 0xC200000000000000ull);
  g->h.lo = (v.lo << 1) ^ (fold & 1);
  g->hx = g->h.hi ^ g->h.lo;
  ctx->path = PS_PATH_PORTABLE;
  ctx->encrypt = enc;
  ctx->decrypt = dec;
  return 0;
}
