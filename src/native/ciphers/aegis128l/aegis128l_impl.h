/*
 * AEGIS-128L (D = 1) and AEGIS-128X (D = 2 or 4 lanes), written once over a vector type, from
 * draft-irtf-cfrg-aegis-aead-18 (RFC 10032), sections "AEGIS-128L" and "AEGIS-128X". Instantiated by including
 * this file after one of ../aegis_vec_{xmm,ymm,zmm}.h, with
 *   AEGIS_D      the degree D (1, 2 or 4; at least the number of 128-bit lanes per register)
 *   AEGIS_FN(n)  the name of each function, e.g. `#define AEGIS_FN(n) ps_aegis128x2_vaes_##n`
 * It defines AEGIS_FN(encrypt) and AEGIS_FN(decrypt) with the signatures of ps_aead.h; it can be included
 * several times in one file with different AEGIS_D / AEGIS_FN.
 *
 * State word S_i (D lanes of 128 bits) is held in A128_NV registers s[i][0 .. A128_NV-1]; register j holds lanes
 * j*L .. j*L+L-1 (L lanes per register). A 256*D-bit message block splits into t0 (its first 16*D bytes) and t1
 * (the next 16*D bytes), lane k of t0 being bytes 16k .. 16k+15; so register j of t0 is a plain load at 16*L*j.
 * Every lane evolves independently; only Init's per-lane context block and the final tag tie them together.
 */
#include "../aegis/aegis_internal.h"

#define A128_NV (AEGIS_D * 16 / AEGIS_VEC_BYTES) /* registers per state word */
#define A128_HALF (AEGIS_D * 16)                 /* bytes of t0 (and of t1) */
#define A128_RATE (AEGIS_D * 32)                 /* bytes absorbed per Update */
#define A128_INL static inline __attribute__((always_inline))

_Static_assert(A128_NV >= 1, "AEGIS_D too small for this register width");

/* Update(M0, M1): S'0 = AESRound(S7, S0 ^ M0), S'4 = AESRound(S3, S4 ^ M1), S'i = AESRound(S(i-1), Si). */
A128_INL void AEGIS_FN(update)(aegis_vec s[8][A128_NV], const aegis_vec m0[A128_NV], const aegis_vec m1[A128_NV]) {
  for (int j = 0; j < A128_NV; j++) {
    aegis_vec s7 = s[7][j];
    s[7][j] = v_aesround(s[6][j], s7);
    s[6][j] = v_aesround(s[5][j], s[6][j]);
    s[5][j] = v_aesround(s[4][j], s[5][j]);
    s[4][j] = v_aesround(s[3][j], v_xor(s[4][j], m1[j]));
    s[3][j] = v_aesround(s[2][j], s[3][j]);
    s[2][j] = v_aesround(s[1][j], s[2][j]);
    s[1][j] = v_aesround(s[0][j], s[1][j]);
    s[0][j] = v_aesround(s7, v_xor(s[0][j], m0[j]));
  }
}

/* Loads one 256*D-bit block as its halves t0, t1. */
A128_INL void AEGIS_FN(load_block)(aegis_vec t0[A128_NV], aegis_vec t1[A128_NV], const uint8_t *p) {
  for (int j = 0; j < A128_NV; j++) {
    t0[j] = v_load(p + j * AEGIS_VEC_BYTES);
    t1[j] = v_load(p + A128_HALF + j * AEGIS_VEC_BYTES);
  }
}

A128_INL void AEGIS_FN(store_block)(uint8_t *p, const aegis_vec t0[A128_NV], const aegis_vec t1[A128_NV]) {
  for (int j = 0; j < A128_NV; j++) {
    v_store(p + j * AEGIS_VEC_BYTES, t0[j]);
    v_store(p + A128_HALF + j * AEGIS_VEC_BYTES, t1[j]);
  }
}

/* Keystream: z0 = S6 ^ S1 ^ (S2 & S3), z1 = S2 ^ S5 ^ (S6 & S7); xored into t0, t1. */
A128_INL void AEGIS_FN(add_keystream)(aegis_vec s[8][A128_NV], aegis_vec t0[A128_NV], aegis_vec t1[A128_NV]) {
  for (int j = 0; j < A128_NV; j++) {
    t0[j] = v_xor(t0[j], v_xor(v_xor(s[6][j], s[1][j]), v_and(s[2][j], s[3][j])));
    t1[j] = v_xor(t1[j], v_xor(v_xor(s[2][j], s[5][j]), v_and(s[6][j], s[7][j])));
  }
}

/* Init(key, nonce), with the per-lane context block xored into S3 and S7 before each Update when D > 1. */
A128_INL void AEGIS_FN(init)(aegis_vec s[8][A128_NV], const uint8_t *key, const uint8_t *nonce) {
  aegis_vec k = v_bcast(key), n = v_bcast(nonce), c0 = v_bcast(PS_AEGIS_C0), c1 = v_bcast(PS_AEGIS_C1);
  aegis_vec kv[A128_NV], nv[A128_NV];
  for (int j = 0; j < A128_NV; j++) {
    kv[j] = k;
    nv[j] = n;
    s[0][j] = v_xor(k, n);
    s[1][j] = c1;
    s[2][j] = c0;
    s[3][j] = c1;
    s[4][j] = v_xor(k, n);
    s[5][j] = v_xor(k, c0);
    s[6][j] = v_xor(k, c1);
    s[7][j] = v_xor(k, c0);
  }
  for (int r = 0; r < 10; r++) {
#if AEGIS_D > 1
    for (int j = 0; j < A128_NV; j++) {
      aegis_vec ctx = v_ctx(j * (AEGIS_VEC_BYTES / 16), AEGIS_D);
      s[3][j] = v_xor(s[3][j], ctx);
      s[7][j] = v_xor(s[7][j], ctx);
    }
#endif
    AEGIS_FN(update)(s, nv, kv);
  }
}

/* Absorbs the associated data, the last block zero-padded. */
A128_INL void AEGIS_FN(absorb)(aegis_vec s[8][A128_NV], const uint8_t *ad, size_t adlen) {
  aegis_vec t0[A128_NV], t1[A128_NV];
  size_t i = 0;
  for (; i + A128_RATE <= adlen; i += A128_RATE) {
    AEGIS_FN(load_block)(t0, t1, ad + i);
    AEGIS_FN(update)(s, t0, t1);
  }
  if (i < adlen) {
    uint8_t pad[A128_RATE] = {0};
    memcpy(pad, ad + i, adlen - i);
    AEGIS_FN(load_block)(t0, t1, pad);
    AEGIS_FN(update)(s, t0, t1);
  }
}

/* Enc(xi) in place on one full block. */
A128_INL void AEGIS_FN(enc_block)(aegis_vec s[8][A128_NV], uint8_t *p) {
  aegis_vec m0[A128_NV], m1[A128_NV], c0[A128_NV], c1[A128_NV];
  AEGIS_FN(load_block)(m0, m1, p);
  for (int j = 0; j < A128_NV; j++) {
    c0[j] = m0[j];
    c1[j] = m1[j];
  }
  AEGIS_FN(add_keystream)(s, c0, c1);
  AEGIS_FN(store_block)(p, c0, c1);
  AEGIS_FN(update)(s, m0, m1);
}

/* Dec(ci) in place on one full block. */
A128_INL void AEGIS_FN(dec_block)(aegis_vec s[8][A128_NV], uint8_t *p) {
  aegis_vec m0[A128_NV], m1[A128_NV];
  AEGIS_FN(load_block)(m0, m1, p);
  AEGIS_FN(add_keystream)(s, m0, m1);
  AEGIS_FN(store_block)(p, m0, m1);
  AEGIS_FN(update)(s, m0, m1);
}

/* The last, partial block (0 < r < A128_RATE bytes): Enc of the zero-padded block, truncated. */
A128_INL void AEGIS_FN(enc_tail)(aegis_vec s[8][A128_NV], uint8_t *p, size_t r) {
  uint8_t pad[A128_RATE] = {0};
  memcpy(pad, p, r);
  AEGIS_FN(enc_block)(s, pad);
  memcpy(p, pad, r);
  ps_wipe(pad, sizeof pad); /* held plaintext and keystream */
}

/* DecPartial(cn): decrypt the zero-padded block, keep r bytes, and absorb the plaintext zero-padded. */
A128_INL void AEGIS_FN(dec_tail)(aegis_vec s[8][A128_NV], uint8_t *p, size_t r) {
  aegis_vec m0[A128_NV], m1[A128_NV];
  uint8_t pad[A128_RATE] = {0};
  memcpy(pad, p, r);
  AEGIS_FN(load_block)(m0, m1, pad);
  AEGIS_FN(add_keystream)(s, m0, m1);
  AEGIS_FN(store_block)(pad, m0, m1);
  memcpy(p, pad, r);
  memset(pad + r, 0, A128_RATE - r);
  AEGIS_FN(load_block)(m0, m1, pad);
  AEGIS_FN(update)(s, m0, m1);
  ps_wipe(pad, sizeof pad); /* held plaintext */
}

/* Finalize: 7 Updates with t = S2 ^ (LE64(ad bits) || LE64(msg bits)) in every lane, then the tag: the XOR over
 * all lanes of S0 ^ ... ^ S6 (128-bit), or of S0 ^ .. ^ S3 followed by that of S4 ^ .. ^ S7 (256-bit). */
A128_INL void AEGIS_FN(finalize)(aegis_vec s[8][A128_NV], size_t adlen, size_t len, uint8_t out[32], int tag256) {
  uint8_t lens[16];
  ps_aegis_lengths(lens, adlen, len);
  aegis_vec u = v_bcast(lens), t[A128_NV];
  for (int j = 0; j < A128_NV; j++) t[j] = v_xor(s[2][j], u);
  for (int r = 0; r < 7; r++) AEGIS_FN(update)(s, t, t);
  aegis_vec a = v_xor(v_xor(s[0][0], s[1][0]), v_xor(s[2][0], s[3][0]));
  aegis_vec b = v_xor(v_xor(s[4][0], s[5][0]), s[6][0]);
  for (int j = 1; j < A128_NV; j++) {
    a = v_xor(a, v_xor(v_xor(s[0][j], s[1][j]), v_xor(s[2][j], s[3][j])));
    b = v_xor(b, v_xor(v_xor(s[4][j], s[5][j]), s[6][j]));
  }
  if (tag256) {
    for (int j = 0; j < A128_NV; j++) b = v_xor(b, s[7][j]);
    v_fold(out, a);
    v_fold(out + 16, b);
  } else {
    v_fold(out, v_xor(a, b));
  }
}

void AEGIS_FN(encrypt)(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                       const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  aegis_vec s[8][A128_NV];
  uint8_t full[32];
  AEGIS_FN(init)(s, ctx->state, nonce);
  AEGIS_FN(absorb)(s, ad, adlen);
  size_t i = 0;
  /* two blocks per turn: measured 5-20% faster encryption on AES-NI, VAES and AVX-512 (not so for decryption) */
  for (; i + 2 * A128_RATE <= len; i += 2 * A128_RATE) {
    AEGIS_FN(enc_block)(s, buf + i);
    AEGIS_FN(enc_block)(s, buf + i + A128_RATE);
  }
  for (; i + A128_RATE <= len; i += A128_RATE) AEGIS_FN(enc_block)(s, buf + i);
  if (i < len) AEGIS_FN(enc_tail)(s, buf + i, len - i);
  AEGIS_FN(finalize)(s, adlen, len, full, taglen == 32);
  ps_aegis_put_tag(tag, taglen, full);
  ps_wipe(full, sizeof full);
}

int AEGIS_FN(decrypt)(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                      const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  aegis_vec s[8][A128_NV];
  uint8_t full[32];
  AEGIS_FN(init)(s, ctx->state, nonce);
  AEGIS_FN(absorb)(s, ad, adlen);
  size_t i = 0;
  for (; i + A128_RATE <= len; i += A128_RATE) AEGIS_FN(dec_block)(s, buf + i);
  if (i < len) AEGIS_FN(dec_tail)(s, buf + i, len - i);
  AEGIS_FN(finalize)(s, adlen, len, full, taglen == 32);
  int rc = ps_aegis_finish_decrypt(buf, len, full, tag, taglen);
  ps_wipe(full, sizeof full); /* the expected tag */
  return rc;
}

#undef A128_NV
#undef A128_HALF
#undef A128_RATE
#undef A128_INL
