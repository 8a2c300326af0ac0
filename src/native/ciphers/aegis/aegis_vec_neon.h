/*
 * The vector operations the AEGIS templates (aegis128l/aegis128l_impl.h, aegis256/aegis256_impl.h) need, on
 * 128-bit NEON registers with the ARMv8 AES instructions: one AEGIS lane (one 128-bit AES block) per register.
 * Include after `PS_TARGET_PUSH(PS_TARGET_ARM_CRYPTO)` (ps_target.h).
 */
#if defined(__aarch64__) /* ARM64 only; other CPUs use their own paths or the portable one */
#ifndef PS_AEGIS_VEC_NEON_H
#define PS_AEGIS_VEC_NEON_H

#include <arm_neon.h>
#include <stdint.h>
#include "ps_arm_crypto.h"

typedef uint8x16_t aegis_vec;
#define AEGIS_VEC_BYTES 16

#define VINLINE static inline __attribute__((always_inline))

VINLINE aegis_vec v_load(const uint8_t *p) { return vld1q_u8(p); }
VINLINE void v_store(uint8_t *p, aegis_vec v) { vst1q_u8(p, v); }
VINLINE aegis_vec v_xor(aegis_vec a, aegis_vec b) { return veorq_u8(a, b); }
VINLINE aegis_vec v_and(aegis_vec a, aegis_vec b) { return vandq_u8(a, b); }
/* AESRound(in, rk) of the draft: ARM's AESE adds its key before SubBytes, so run it with a zero key, then
 * MixColumns (AESMC), then add rk. */
VINLINE aegis_vec v_aesround(aegis_vec in, aegis_vec rk) { return veorq_u8(ps_arm_aese_mc(in, vdupq_n_u8(0)), rk); }
/* A 16-byte block (one lane per register). */
VINLINE aegis_vec v_bcast(const uint8_t *p) { return v_load(p); }
/* The context block ZeroPad(Byte(lane) || Byte(d - 1), 128) of lane `first`. */
VINLINE aegis_vec v_ctx(int first, int d) {
  uint64x2_t c = vcombine_u64(vcreate_u64((uint64_t)(first | ((d - 1) << 8))), vcreate_u64(0));
  return vreinterpretq_u8_u64(c);
}
/* One lane per register: the fold is a store. */
VINLINE void v_fold(uint8_t out[16], aegis_vec v) { v_store(out, v); }

#endif
#endif
