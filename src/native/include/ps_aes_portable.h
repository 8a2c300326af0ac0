/*
 * ps_aes_portable.h: constant-time AES in plain C (src/native/ciphers/aes/aes_portable.c), for the portable
 * AES-GCM and AEGIS paths. Bitsliced: no table lookups and no branches on secret data, so its timing does
 * not depend on keys or data. Works on 8 blocks at a time internally (4 without GNU C vector support), so
 * calls with n a multiple of 8 waste nothing; any n works.
 */
#ifndef PS_AES_PORTABLE_H
#define PS_AES_PORTABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PS_AES_CT_MAX_ROUNDS 14

/* Expanded key: one bitsliced round key (8 words of 64 bits) per round, round 0 first. 968 bytes. */
typedef struct {
  uint64_t sk[(PS_AES_CT_MAX_ROUNDS + 1) * 8];
  int rounds; /* 10 for AES-128, 14 for AES-256 */
} ps_aes_ct_key;

/* Expands a 16- or 32-byte key (FIPS-197 section 5.2). Returns 0, or -1 for another key size (k zeroed).
 * Wipe k with ps_wipe when the key is no longer needed. */
int ps_aes_ct_expand(ps_aes_ct_key *k, const uint8_t *key, size_t key_len);

/* Encrypts n independent 16-byte blocks (ECB; any n). out may equal in (no partial overlap). */
void ps_aes_ct_encrypt_blocks(const ps_aes_ct_key *k, uint8_t *out, const uint8_t *in, size_t n);

/* CTR helper for GCM: encrypts the n counter blocks iv12 || be32(ctr), iv12 || be32(ctr + 1), ... into ks
 * (16 * n bytes of keystream). The 32-bit counter wraps as GCM's inc32 does. */
void ps_aes_ct_ctr_keystream(const ps_aes_ct_key *k, uint8_t *ks, const uint8_t iv12[12], uint32_t ctr, size_t n);

/* AEGIS's AESRound(in, rk) = MixColumns(ShiftRows(SubBytes(in))) ^ rk (one AES encryption round, as x86
 * AESENC), applied to n independent pairs (in + 16 i, rk + 16 i). out may equal in or rk (the same address;
 * no partial overlap). */
void ps_aes_ct_round(uint8_t *out, const uint8_t *in, const uint8_t *rk, size_t n);

#ifdef __cplusplus
}
#endif
#endif
