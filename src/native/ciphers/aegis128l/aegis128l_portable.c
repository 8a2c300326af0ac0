/*
 * AEGIS-128L and AEGIS-128X in plain C, generic over the degree d (1, 2 or 4 lanes), for CPUs without AES
 * instructions. Constant-time: the AES rounds are the bitsliced ps_aes_ct_round (no table lookups), and the rest
 * is XOR/AND on bytes with no branch on secret data. Algorithm: draft-irtf-cfrg-aegis-aead-18 (RFC 10032),
 * as in aegis128l_impl.h; the X2/X4 entry points live in ../aegis128x/aegis128x_portable.c.
 *
 * The state is 8 words of d lanes; word i, lane j is the 16 bytes at s[(i * d + j) * 16], so the eight words
 * form one array of 8d AES blocks and an Update is one ps_aes_ct_round call over all of them.
 */
#include "../aegis/aegis_internal.h"
#include "ps_aes_portable.h"

#define MAXD 4

typedef struct {
  int d;    /* lanes */
  size_t w; /* bytes per state word: 16 d */
  uint8_t s[8 * MAXD * 16];
} st128;

static uint8_t *word(st128 *st, int i) { return st->s + (size_t)i * st->w; }

static void xor_into(uint8_t *dst, const uint8_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] ^= src[i];
}

/* Update(M0, M1) with M0, M1 of w bytes: S'i = AESRound(S(i-1), Si), M0 into S0 and M1 into S4 first. */
static void update(st128 *st, const uint8_t *m0, const uint8_t *m1) {
  uint8_t in[8 * MAXD * 16];
  memcpy(in, word(st, 7), st->w);
  memcpy(in + st->w, st->s, 7 * st->w);
  xor_into(word(st, 0), m0, st->w);
  xor_into(word(st, 4), m1, st->w);
  ps_aes_ct_round(st->s, in, st->s, 8 * (size_t)st->d);
}

/* Fills the w bytes at dst with the 16-byte block b repeated in every lane. */
static void repeat(const st128 *st, uint8_t *dst, const uint8_t *b) {
  for (int j = 0; j < st->d; j++) memcpy(dst + 16 * j, b, 16);
}

static void init(st128 *st, int d, const uint8_t *key, const uint8_t *nonce) {
  uint8_t k[MAXD * 16], n[MAXD * 16], kn[16];
  st->d = d;
  st->w = 16 * (size_t)d;
  for (int i = 0; i < 16; i++) kn[i] = key[i] ^ nonce[i];
  repeat(st, k, key);
  repeat(st, n, nonce);
  repeat(st, word(st, 0), kn);
  repeat(st, word(st, 1), PS_AEGIS_C1);
  repeat(st, word(st, 2), PS_AEGIS_C0);
  repeat(st, word(st, 3), PS_AEGIS_C1);
  repeat(st, word(st, 4), kn);
  repeat(st, word(st, 5), key);
  repeat(st, word(st, 6), key);
  repeat(st, word(st, 7), key);
  for (int j = 0; j < d; j++) {
    xor_into(word(st, 5) + 16 * j, PS_AEGIS_C0, 16);
    xor_into(word(st, 6) + 16 * j, PS_AEGIS_C1, 16);
    xor_into(word(st, 7) + 16 * j, PS_AEGIS_C0, 16);
  }
  for (int r = 0; r < 10; r++) {
    /* AEGIS-128X: ctx = ZeroPad(Byte(lane) || Byte(d - 1), 128) into S3 and S7 of each lane (no-op for d = 1) */
    for (int j = 0; j < d; j++) {
      word(st, 3)[16 * j] ^= (uint8_t)j;
      word(st, 3)[16 * j + 1] ^= (uint8_t)(d - 1);
      word(st, 7)[16 * j] ^= (uint8_t)j;
      word(st, 7)[16 * j + 1] ^= (uint8_t)(d - 1);
    }
    update(st, n, k);
  }
}

static void absorb(st128 *st, const uint8_t *ad, size_t adlen) {
  size_t rate = 2 * st->w, i = 0;
  for (; i + rate <= adlen; i += rate) update(st, ad + i, ad + i + st->w);
  if (i < adlen) {
    uint8_t pad[2 * MAXD * 16] = {0};
    memcpy(pad, ad + i, adlen - i);
    update(st, pad, pad + st->w);
  }
}

/* z0 = S6 ^ S1 ^ (S2 & S3), z1 = S2 ^ S5 ^ (S6 & S7), into z (2w bytes). */
static void keystream(st128 *st, uint8_t *z) {
  const uint8_t *s1 = word(st, 1), *s2 = word(st, 2), *s3 = word(st, 3), *s5 = word(st, 5);
  const uint8_t *s6 = word(st, 6), *s7 = word(st, 7);
  for (size_t i = 0; i < st->w; i++) {
    z[i] = s6[i] ^ s1[i] ^ (s2[i] & s3[i]);
    z[st->w + i] = s2[i] ^ s5[i] ^ (s6[i] & s7[i]);
  }
}

/* Encrypts one block of 2w bytes in place (the tail arrives zero-padded). */
static void enc_block(st128 *st, uint8_t *p) {
  uint8_t z[2 * MAXD * 16], m[2 * MAXD * 16];
  keystream(st, z);
  memcpy(m, p, 2 * st->w);
  xor_into(p, z, 2 * st->w);
  update(st, m, m + st->w);
}

/* Decrypts r bytes (r <= 2w) in place; the plaintext, zero-padded to 2w bytes, is absorbed. */
static void dec_block(st128 *st, uint8_t *p, size_t r) {
  uint8_t z[2 * MAXD * 16], m[2 * MAXD * 16] = {0};
  keystream(st, z);
  for (size_t i = 0; i < r; i++) m[i] = p[i] ^ z[i];
  memcpy(p, m, r);
  update(st, m, m + st->w);
}

static void finalize(st128 *st, size_t adlen, size_t len, uint8_t out[32], int tag256) {
  uint8_t lens[16], t[MAXD * 16];
  ps_aegis_lengths(lens, adlen, len);
  repeat(st, t, lens);
  xor_into(t, word(st, 2), st->w);
  for (int r = 0; r < 7; r++) update(st, t, t);
  memset(out, 0, 32);
  /* 128-bit tag: XOR of S0 .. S6 over all lanes; 256-bit: S0 .. S3, then S4 .. S7 */
  for (int i = 0; i < (tag256 ? 8 : 7); i++) {
    uint8_t *dst = (tag256 && i >= 4) ? out + 16 : out;
    for (int j = 0; j < st->d; j++) xor_into(dst, word(st, i) + 16 * j, 16);
  }
}

void ps_aegis128_portable_encrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                    size_t adlen, const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  st128 st;
  uint8_t full[32];
  init(&st, d, ctx->state, nonce);
  absorb(&st, ad, adlen);
  size_t rate = 2 * st.w, i = 0;
  for (; i + rate <= len; i += rate) enc_block(&st, buf + i);
  if (i < len) {
    uint8_t pad[2 * MAXD * 16] = {0};
    memcpy(pad, buf + i, len - i);
    enc_block(&st, pad);
    memcpy(buf + i, pad, len - i);
  }
  finalize(&st, adlen, len, full, taglen == 32);
  ps_aegis_put_tag(tag, taglen, full);
  ps_wipe(&st, sizeof st);
}

int ps_aegis128_portable_decrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                   size_t adlen, const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  st128 st;
  uint8_t full[32];
  init(&st, d, ctx->state, nonce);
  absorb(&st, ad, adlen);
  size_t rate = 2 * st.w, i = 0;
  for (; i + rate <= len; i += rate) dec_block(&st, buf + i, rate);
  if (i < len) dec_block(&st, buf + i, len - i);
  finalize(&st, adlen, len, full, taglen == 32);
  ps_wipe(&st, sizeof st);
  return ps_aegis_finish_decrypt(buf, len, full, tag, taglen);
}

void ps_aegis128l_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ps_aegis128_portable_encrypt_d(1, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

int ps_aegis128l_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                  const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ps_aegis128_portable_decrypt_d(1, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}
