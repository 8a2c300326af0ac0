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

/*
 * Eight blocks in bitsliced form, for AEGIS code that keeps its state bitsliced between rounds. w[b][e] holds
 * bit b of every byte of blocks 4 e .. 4 e + 3: the byte (row r, column c) of block 4 e + j is bit
 * 32 (c & 1) + 8 r + 4 (c >> 1) + j of w[b][e]. XOR and AND of two x8 values act blockwise, so AEGIS's linear
 * steps work on w directly; moving a block to another slot is a shift of j within each 4-bit group.
 */
typedef struct {
  _Alignas(16) uint64_t w[8][2];
} ps_aes_ct_x8;

/* Converts the blocks *blk[0 .. 8) into x; a NULL pointer reads as a zero block. */
void ps_aes_ct_x8_load(ps_aes_ct_x8 *x, const uint8_t *const blk[8]);

/* Writes block i of x, xored with *mask[i] when mask[i] is not NULL, to out[i] for every out[i] not NULL.
 * out[i] may equal mask[i]. */
void ps_aes_ct_x8_store(const ps_aes_ct_x8 *x, uint8_t *const out[8], const uint8_t *const mask[8]);

/* AESRound without the round key (SubBytes, ShiftRows, MixColumns) on all eight blocks of x. */
void ps_aes_ct_x8_round(ps_aes_ct_x8 *x);

#ifdef __cplusplus
}
#endif
#endif
