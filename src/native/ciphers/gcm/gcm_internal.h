/*
 * Shared by the AES-GCM files. GCM as specified in NIST SP 800-38D: 96-bit IV, J0 = IV || 0^31 || 1,
 * the payload encrypted with inc32 counters from J0+1, S = GHASH_H(A || 0* || C || 0* || [len(A)]64 || [len(C)]64),
 * tag = E_K(J0) ^ S, with H = E_K(0^128) (sections 6.4, 7.1, 7.2).
 */
#ifndef PS_GCM_INTERNAL_H
#define PS_GCM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "ps_aead.h"

/* Each path's setup: fills ctx->state and ctx->encrypt/decrypt/path. Returns 0 or -1. */
int ps_gcm_aesni_setup(ps_aead *ctx, const uint8_t *key);
int ps_gcm_vaes_setup(ps_aead *ctx, const uint8_t *key);   /* VAES on 256-bit registers (AVX2) */
int ps_gcm_avx512_setup(ps_aead *ctx, const uint8_t *key); /* VAES on 512-bit registers */
int ps_gcm_neon_setup(ps_aead *ctx, const uint8_t *key);   /* ARM64: ARMv8 AES + PMULL */
int ps_gcm_portable_setup(ps_aead *ctx, const uint8_t *key);

/* Constant-time comparison of two 16-byte tags: 0 when equal. */
static inline int ps_gcm_tag_differs(const uint8_t *a, const uint8_t *b) {
  uint8_t d = 0;
  for (int i = 0; i < 16; i++) d |= a[i] ^ b[i];
  return (int)((d + 0xffu) >> 8); /* 1 when d != 0, with no branch on d */
}

/* Ends a decryption: on a tag mismatch (or a tag size other than 16) the buffer is zeroed, returns -1. */
static inline int ps_gcm_finish_decrypt(uint8_t *buf, size_t len, const uint8_t *computed, const uint8_t *tag,
                                        size_t taglen) {
  int bad = taglen != 16 || ps_gcm_tag_differs(computed, tag);
  if (bad) ps_wipe(buf, len);
  return bad ? -1 : 0;
}

/* Writes a tag of taglen bytes (16, or a truncation of it). */
static inline void ps_gcm_put_tag(uint8_t *tag, size_t taglen, const uint8_t *full) {
  for (size_t i = 0; i < taglen && i < 16; i++) tag[i] = full[i];
}

#endif
