/*
 * ps_aes_neon.h: AES-128/256 encryption key schedule with the ARMv8 AES instructions
 * (src/native/ciphers/aes/aes_neon.c). Only call after ps_cpu_has_arm_aes(). Round keys are stored as 16-byte
 * blocks, round 0 first, in the byte order of FIPS-197 (the same as the AES-NI schedule).
 */
#ifndef PS_AES_NEON_H
#define PS_AES_NEON_H

#include <stddef.h>
#include <stdint.h>

#define PS_AES_NEON_MAX_ROUNDS 14

/* Expands a 16- or 32-byte key into rk (11 or 15 round keys). Returns the round count (10 or 14), or 0 for
 * another key size. */
int ps_arm_aes_expand_key(uint8_t rk[(PS_AES_NEON_MAX_ROUNDS + 1) * 16], const uint8_t *key, size_t key_len);

#endif
