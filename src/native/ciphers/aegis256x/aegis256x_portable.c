/*
 * AEGIS-256X2 and AEGIS-256X4 in constant-time plain C.
 *
 * AEGIS-256X2 uses the lane-bitsliced code of ../aegis256/aegis256_portable.c. AEGIS-256X4 does not: there each
 * lane's 6 state words would fill only 6 of the 8 blocks of a bitsliced ps_aes_ct_x8 (4 rounds of 8 blocks per
 * Update), while its 24 blocks fill exactly three 8-block batches of ps_aes_ct_round, which measured faster
 * (15.0 against 17.4 us per 4 KiB page here). So AEGIS-256X4 keeps the state in bytes and runs one
 * ps_aes_ct_round over all 24 blocks per Update. Algorithm: draft-irtf-cfrg-aegis-aead-18 (RFC 10032).
 *
 * The state is 6 words of 4 lanes; word i, lane j is the 16 bytes at s[(i * 4 + j) * 16]. Constant-time: the AES
 * rounds are bitsliced, the rest is XOR/AND on bytes with no branch on secret data.
 */
#include "../aegis/aegis_bitsliced.h"
#include "../aegis/aegis_internal.h"
#include "ps_aes_portable.h"

void ps_aegis256x2_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                    const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ps_aegis256_portable_encrypt_d(2, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

int ps_aegis256x2_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ps_aegis256_portable_decrypt_d(2, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

/* ---- AEGIS-256X4 ---- */

#define D4 4
#define MAXD D4

typedef struct {
  int d;    /* lanes */
  size_t w; /* bytes per state word and per message block: 16 d */
  uint8_t s[6 * MAXD * 16];
  uint8_t in[6 * MAXD * 16]; /* scratch of update() */
  uint8_t z[MAXD * 16], m[MAXD * 16]; /* scratch of enc_block() and dec_block(); all wiped with the state */
} st256;

static uint8_t *word(st256 *st, int i) { return st->s + (size_t)i * st->w; }

static void xor_into(uint8_t *restrict dst, const uint8_t *restrict src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] ^= src[i];
}

/* Update(M) with M of w bytes: S'0 = AESRound(S5, S0 ^ M), S'i = AESRound(S(i-1), Si). */
static void update(st256 *st, const uint8_t *m) {
  memcpy(st->in, word(st, 5), st->w);
  memcpy(st->in + st->w, st->s, 5 * st->w);
  xor_into(word(st, 0), m, st->w);
  ps_aes_ct_round(st->s, st->in, st->s, 6 * (size_t)st->d);
}

/* Fills the w bytes at dst with the 16-byte block b repeated in every lane. */
static void repeat(const st256 *st, uint8_t *dst, const uint8_t *b) {
  for (int j = 0; j < st->d; j++) memcpy(dst + 16 * j, b, 16);
}

/* One Init Update, the per-lane context ZeroPad(Byte(lane) || Byte(d - 1), 128) first xored into S3 and S5. */
static void init_update(st256 *st, const uint8_t *m) {
  for (int j = 0; j < st->d; j++) {
    word(st, 3)[16 * j] ^= (uint8_t)j;
    word(st, 3)[16 * j + 1] ^= (uint8_t)(st->d - 1);
    word(st, 5)[16 * j] ^= (uint8_t)j;
    word(st, 5)[16 * j + 1] ^= (uint8_t)(st->d - 1);
  }
  update(st, m);
}

static void init(st256 *st, int d, const uint8_t *key, const uint8_t *nonce) {
  uint8_t kn[32], m[4][MAXD * 16];
  st->d = d;
  st->w = 16 * (size_t)d;
  for (int i = 0; i < 32; i++) kn[i] = key[i] ^ nonce[i];
  repeat(st, word(st, 0), kn);
  repeat(st, word(st, 1), kn + 16);
  repeat(st, word(st, 2), PS_AEGIS_C1);
  repeat(st, word(st, 3), PS_AEGIS_C0);
  repeat(st, word(st, 4), key);
  repeat(st, word(st, 5), key + 16);
  for (int j = 0; j < d; j++) {
    xor_into(word(st, 4) + 16 * j, PS_AEGIS_C0, 16);
    xor_into(word(st, 5) + 16 * j, PS_AEGIS_C1, 16);
  }
  repeat(st, m[0], key);
  repeat(st, m[1], key + 16);
  repeat(st, m[2], kn);
  repeat(st, m[3], kn + 16);
  for (int r = 0; r < 4; r++)
    for (int i = 0; i < 4; i++) init_update(st, m[i]);
  ps_wipe(m, sizeof m);
  ps_wipe(kn, sizeof kn);
}

static void absorb(st256 *st, const uint8_t *ad, size_t adlen) {
  size_t i = 0;
  for (; i + st->w <= adlen; i += st->w) update(st, ad + i);
  if (i < adlen) {
    uint8_t pad[MAXD * 16] = {0};
    memcpy(pad, ad + i, adlen - i);
    update(st, pad);
    ps_wipe(pad, sizeof pad);
  }
}

/* z = S1 ^ S4 ^ S5 ^ (S2 & S3), w bytes. */
static void keystream(st256 *st, uint8_t *restrict z) {
  const uint8_t *s1 = word(st, 1), *s2 = word(st, 2), *s3 = word(st, 3), *s4 = word(st, 4), *s5 = word(st, 5);
  for (size_t i = 0; i < st->w; i++) z[i] = s1[i] ^ s4[i] ^ s5[i] ^ (s2[i] & s3[i]);
}

/* Encrypts one block of w bytes in place (the tail arrives zero-padded). */
static void enc_block(st256 *st, uint8_t *p) {
  uint8_t *z = st->z, *m = st->m;
  keystream(st, z);
  memcpy(m, p, st->w);
  xor_into(p, z, st->w);
  update(st, m);
}

/* Decrypts r bytes (r <= w) in place; the plaintext, zero-padded to w bytes, is absorbed. */
static void dec_block(st256 *st, uint8_t *p, size_t r) {
  uint8_t *z = st->z, *m = st->m;
  memset(m, 0, MAXD * 16);
  keystream(st, z);
  for (size_t i = 0; i < r; i++) m[i] = p[i] ^ z[i];
  memcpy(p, m, r);
  update(st, m);
}

static void finalize(st256 *st, size_t adlen, size_t len, uint8_t out[32], int tag256) {
  uint8_t lens[16], t[MAXD * 16];
  ps_aegis_lengths(lens, adlen, len);
  repeat(st, t, lens);
  xor_into(t, word(st, 3), st->w);
  for (int r = 0; r < 7; r++) update(st, t);
  memset(out, 0, 32);
  /* 128-bit tag: XOR of S0 .. S5 over all lanes; 256-bit: S0 .. S2, then S3 .. S5 */
  for (int i = 0; i < 6; i++) {
    uint8_t *dst = (tag256 && i >= 3) ? out + 16 : out;
    for (int j = 0; j < st->d; j++) xor_into(dst, word(st, i) + 16 * j, 16);
  }
  ps_wipe(t, sizeof t);
}

void ps_aegis256x4_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                    const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  st256 st;
  uint8_t full[32];
  init(&st, D4, ctx->state, nonce);
  absorb(&st, ad, adlen);
  size_t i = 0;
  for (; i + st.w <= len; i += st.w) enc_block(&st, buf + i);
  if (i < len) {
    uint8_t pad[MAXD * 16] = {0};
    memcpy(pad, buf + i, len - i);
    enc_block(&st, pad);
    memcpy(buf + i, pad, len - i);
    ps_wipe(pad, sizeof pad);
  }
  finalize(&st, adlen, len, full, taglen == 32);
  ps_aegis_put_tag(tag, taglen, full);
  ps_wipe(&st, sizeof st);
  ps_wipe(full, sizeof full);
}

int ps_aegis256x4_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  st256 st;
  uint8_t full[32];
  init(&st, D4, ctx->state, nonce);
  absorb(&st, ad, adlen);
  size_t i = 0;
  for (; i + st.w <= len; i += st.w) dec_block(&st, buf + i, st.w);
  if (i < len) dec_block(&st, buf + i, len - i);
  finalize(&st, adlen, len, full, taglen == 32);
  ps_wipe(&st, sizeof st);
  const int rc = ps_aegis_finish_decrypt(buf, len, full, tag, taglen);
  ps_wipe(full, sizeof full);
  return rc;
}
