/*
 * AEGIS-256 (D = 1) and AEGIS-256X (D = 2 or 4 lanes), written once over a vector type, from
 * draft-irtf-cfrg-aegis-aead-18 (RFC 10032), sections "AEGIS-256" and "AEGIS-256X". Instantiated by including
 * this file after one of ../aegis_vec_{xmm,ymm,zmm}.h, with
 *   AEGIS_D      the degree D (1, 2 or 4; at least the number of 128-bit lanes per register)
 *   AEGIS_FN(n)  the name of each function, e.g. `#define AEGIS_FN(n) ps_aegis256x2_vaes_##n`
 * It defines AEGIS_FN(encrypt) and AEGIS_FN(decrypt) with the signatures of ps_aead.h.
 *
 * State word S_i (D lanes) is held in A256_NV registers s[i][0 .. A256_NV-1], register j holding lanes
 * j*L .. j*L+L-1 (L lanes per register). A 128*D-bit message block's lane k is its bytes 16k .. 16k+15.
 */
#include "../aegis/aegis_internal.h"

#define A256_NV (AEGIS_D * 16 / AEGIS_VEC_BYTES) /* registers per state word */
#define A256_RATE (AEGIS_D * 16)                 /* bytes absorbed per Update */
#define A256_INL static inline __attribute__((always_inline))

_Static_assert(A256_NV >= 1, "AEGIS_D too small for this register width");

/* Update(M): S'0 = AESRound(S5, S0 ^ M), S'i = AESRound(S(i-1), Si) for i = 1..5. */
A256_INL void AEGIS_FN(update)(aegis_vec s[6][A256_NV], const aegis_vec m[A256_NV]) {
  for (int j = 0; j < A256_NV; j++) {
    aegis_vec s5 = s[5][j];
    s[5][j] = v_aesround(s[4][j], s5);
    s[4][j] = v_aesround(s[3][j], s[4][j]);
    s[3][j] = v_aesround(s[2][j], s[3][j]);
    s[2][j] = v_aesround(s[1][j], s[2][j]);
    s[1][j] = v_aesround(s[0][j], s[1][j]);
    s[0][j] = v_aesround(s5, v_xor(s[0][j], m[j]));
  }
}

A256_INL void AEGIS_FN(load_block)(aegis_vec t[A256_NV], const uint8_t *p) {
  for (int j = 0; j < A256_NV; j++) t[j] = v_load(p + j * AEGIS_VEC_BYTES);
}

A256_INL void AEGIS_FN(store_block)(uint8_t *p, const aegis_vec t[A256_NV]) {
  for (int j = 0; j < A256_NV; j++) v_store(p + j * AEGIS_VEC_BYTES, t[j]);
}

/* Keystream z = S1 ^ S4 ^ S5 ^ (S2 & S3), xored into t. */
A256_INL void AEGIS_FN(add_keystream)(aegis_vec s[6][A256_NV], aegis_vec t[A256_NV]) {
  for (int j = 0; j < A256_NV; j++)
    t[j] = v_xor(t[j], v_xor(v_xor(s[1][j], s[4][j]), v_xor(s[5][j], v_and(s[2][j], s[3][j]))));
}

/* One Init Update with message m, the per-lane context block first xored into S3 and S5 when D > 1. */
A256_INL void AEGIS_FN(init_update)(aegis_vec s[6][A256_NV], aegis_vec m) {
  aegis_vec mv[A256_NV];
  for (int j = 0; j < A256_NV; j++) {
    mv[j] = m;
#if AEGIS_D > 1
    aegis_vec ctx = v_ctx(j * (AEGIS_VEC_BYTES / 16), AEGIS_D);
    s[3][j] = v_xor(s[3][j], ctx);
    s[5][j] = v_xor(s[5][j], ctx);
#endif
  }
  AEGIS_FN(update)(s, mv);
}

/* Init(key, nonce): k0, k1 and n0, n1 the halves of key and nonce; 4 times Update k0, k1, k0^n0, k1^n1. */
A256_INL void AEGIS_FN(init)(aegis_vec s[6][A256_NV], const uint8_t *key, const uint8_t *nonce) {
  aegis_vec k0 = v_bcast(key), k1 = v_bcast(key + 16), n0 = v_bcast(nonce), n1 = v_bcast(nonce + 16);
  aegis_vec c0 = v_bcast(PS_AEGIS_C0), c1 = v_bcast(PS_AEGIS_C1);
  aegis_vec k0n0 = v_xor(k0, n0), k1n1 = v_xor(k1, n1);
  for (int j = 0; j < A256_NV; j++) {
    s[0][j] = k0n0;
    s[1][j] = k1n1;
    s[2][j] = c1;
    s[3][j] = c0;
    s[4][j] = v_xor(k0, c0);
    s[5][j] = v_xor(k1, c1);
  }
  for (int r = 0; r < 4; r++) {
    AEGIS_FN(init_update)(s, k0);
    AEGIS_FN(init_update)(s, k1);
    AEGIS_FN(init_update)(s, k0n0);
    AEGIS_FN(init_update)(s, k1n1);
  }
}

/* Absorbs the associated data, the last block zero-padded. */
A256_INL void AEGIS_FN(absorb)(aegis_vec s[6][A256_NV], const uint8_t *ad, size_t adlen) {
  aegis_vec t[A256_NV];
  size_t i = 0;
  for (; i + A256_RATE <= adlen; i += A256_RATE) {
    AEGIS_FN(load_block)(t, ad + i);
    AEGIS_FN(update)(s, t);
  }
  if (i < adlen) {
    uint8_t pad[A256_RATE] = {0};
    memcpy(pad, ad + i, adlen - i);
    AEGIS_FN(load_block)(t, pad);
    AEGIS_FN(update)(s, t);
  }
}

/* Enc(xi) in place on one full block. */
A256_INL void AEGIS_FN(enc_block)(aegis_vec s[6][A256_NV], uint8_t *p) {
  aegis_vec m[A256_NV], c[A256_NV];
  AEGIS_FN(load_block)(m, p);
  for (int j = 0; j < A256_NV; j++) c[j] = m[j];
  AEGIS_FN(add_keystream)(s, c);
  AEGIS_FN(store_block)(p, c);
  AEGIS_FN(update)(s, m);
}

/* Dec(ci) in place on one full block. */
A256_INL void AEGIS_FN(dec_block)(aegis_vec s[6][A256_NV], uint8_t *p) {
  aegis_vec m[A256_NV];
  AEGIS_FN(load_block)(m, p);
  AEGIS_FN(add_keystream)(s, m);
  AEGIS_FN(store_block)(p, m);
  AEGIS_FN(update)(s, m);
}

/* The last, partial block (0 < r < A256_RATE bytes): Enc of the zero-padded block, truncated. */
A256_INL void AEGIS_FN(enc_tail)(aegis_vec s[6][A256_NV], uint8_t *p, size_t r) {
  uint8_t pad[A256_RATE] = {0};
  memcpy(pad, p, r);
  AEGIS_FN(enc_block)(s, pad);
  memcpy(p, pad, r);
  ps_wipe(pad, sizeof pad); /* held plaintext and keystream */
}

/* DecPartial(cn): decrypt the zero-padded block, keep r bytes, and absorb the plaintext zero-padded. */
A256_INL void AEGIS_FN(dec_tail)(aegis_vec s[6][A256_NV], uint8_t *p, size_t r) {
  aegis_vec m[A256_NV];
  uint8_t pad[A256_RATE] = {0};
  memcpy(pad, p, r);
  AEGIS_FN(load_block)(m, pad);
  AEGIS_FN(add_keystream)(s, m);
  AEGIS_FN(store_block)(pad, m);
  memcpy(p, pad, r);
  memset(pad + r, 0, A256_RATE - r);
  AEGIS_FN(load_block)(m, pad);
  AEGIS_FN(update)(s, m);
  ps_wipe(pad, sizeof pad); /* held plaintext */
}

/* Finalize: 7 Updates with t = S3 ^ (LE64(ad bits) || LE64(msg bits)) in every lane, then the tag: the XOR over
 * all lanes of S0 ^ ... ^ S5 (128-bit), or of S0 ^ S1 ^ S2 followed by that of S3 ^ S4 ^ S5 (256-bit). */
A256_INL void AEGIS_FN(finalize)(aegis_vec s[6][A256_NV], size_t adlen, size_t len, uint8_t out[32], int tag256) {
  uint8_t lens[16];
  ps_aegis_lengths(lens, adlen, len);
  aegis_vec u = v_bcast(lens), t[A256_NV];
  for (int j = 0; j < A256_NV; j++) t[j] = v_xor(s[3][j], u);
  for (int r = 0; r < 7; r++) AEGIS_FN(update)(s, t);
  aegis_vec a = v_xor(v_xor(s[0][0], s[1][0]), s[2][0]);
  aegis_vec b = v_xor(v_xor(s[3][0], s[4][0]), s[5][0]);
  for (int j = 1; j < A256_NV; j++) {
    a = v_xor(a, v_xor(v_xor(s[0][j], s[1][j]), s[2][j]));
    b = v_xor(b, v_xor(v_xor(s[3][j], s[4][j]), s[5][j]));
  }
  if (tag256) {
    v_fold(out, a);
    v_fold(out + 16, b);
  } else {
    v_fold(out, v_xor(a, b));
  }
}

void AEGIS_FN(encrypt)(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                       const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  aegis_vec s[6][A256_NV];
  uint8_t full[32];
  AEGIS_FN(init)(s, ctx->state, nonce);
  AEGIS_FN(absorb)(s, ad, adlen);
  size_t i = 0;
  for (; i + A256_RATE <= len; i += A256_RATE) AEGIS_FN(enc_block)(s, buf + i);
  if (i < len) AEGIS_FN(enc_tail)(s, buf + i, len - i);
  AEGIS_FN(finalize)(s, adlen, len, full, taglen == 32);
  ps_aegis_put_tag(tag, taglen, full);
  ps_wipe(full, sizeof full);
}

int AEGIS_FN(decrypt)(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                      const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  aegis_vec s[6][A256_NV];
  uint8_t full[32];
  AEGIS_FN(init)(s, ctx->state, nonce);
  AEGIS_FN(absorb)(s, ad, adlen);
  size_t i = 0;
  for (; i + A256_RATE <= len; i += A256_RATE) AEGIS_FN(dec_block)(s, buf + i);
  if (i < len) AEGIS_FN(dec_tail)(s, buf + i, len - i);
  AEGIS_FN(finalize)(s, adlen, len, full, taglen == 32);
  int rc = ps_aegis_finish_decrypt(buf, len, full, tag, taglen);
  ps_wipe(full, sizeof full); /* the expected tag */
  return rc;
}

#undef A256_NV
#undef A256_RATE
#undef A256_INL
