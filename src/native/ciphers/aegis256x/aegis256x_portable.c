/* AEGIS-256X2 and AEGIS-256X4 in constant-time plain C: the degree-generic code of ../aegis256/aegis256_portable.c. */
#include "../aegis/aegis_internal.h"

void ps_aegis256x2_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                    const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ps_aegis256_portable_encrypt_d(2, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

int ps_aegis256x2_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ps_aegis256_portable_decrypt_d(2, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

void ps_aegis256x4_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                    const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ps_aegis256_portable_encrypt_d(4, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

int ps_aegis256x4_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ps_aegis256_portable_decrypt_d(4, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}
