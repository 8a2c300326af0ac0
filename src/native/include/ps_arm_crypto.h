/*
 * ps_arm_crypto.h: the ARMv8 Crypto Extension instructions the ARM64 paths use, for files compiled after
 * PS_TARGET_PUSH(PS_TARGET_ARM_CRYPTO) (ps_target.h). Only call after ps_cpu_has_arm_aes() /
 * ps_cpu_has_arm_pmull() (ps_cpu.h).
 *
 * ARM's AESE is AddRoundKey *then* SubBytes and ShiftRows: AESE(x, k) = ShiftRows(SubBytes(x ^ k)); AESMC is
 * MixColumns. So x86's AESENC(x, k) = MixColumns(ShiftRows(SubBytes(x))) ^ k is AESMC(AESE(x, 0)) ^ k, and a
 * full AES encryption runs AESE with round key r, then AESMC, for r = 0 .. Nr-2, then AESE with round key Nr-1
 * and a XOR with round key Nr.
 *
 * GCC's arm_neon.h declares the crypto intrinsics for any function compiled with +crypto; clang's (before it
 * moved to target attributes) only when the whole file is built for a CPU with AES (__ARM_FEATURE_AES, as on
 * Apple Silicon). Without that, clang gets the same instructions through inline assembly.
 */
#if defined(__aarch64__) || defined(_M_ARM64)
#ifndef PS_ARM_CRYPTO_H
#define PS_ARM_CRYPTO_H

#include <arm_neon.h>
#include <stdint.h>

#define PS_ARM_INLINE static inline __attribute__((always_inline))

#if defined(__ARM_FEATURE_AES) || defined(__ARM_FEATURE_CRYPTO) || !defined(__clang__)
/* AESMC(AESE(x, k)): one full AES round without its final key addition, with k added first. */
PS_ARM_INLINE uint8x16_t ps_arm_aese_mc(uint8x16_t x, uint8x16_t k) { return vaesmcq_u8(vaeseq_u8(x, k)); }
/* AESE(x, k) alone: the last round's SubBytes and ShiftRows. */
PS_ARM_INLINE uint8x16_t ps_arm_aese(uint8x16_t x, uint8x16_t k) { return vaeseq_u8(x, k); }
/* 64x64 -> 128-bit carry-less products of the low (or high) halves of a and b. */
PS_ARM_INLINE uint64x2_t ps_arm_pmull_lo(uint64x2_t a, uint64x2_t b) {
  return vreinterpretq_u64_p128(vmull_p64((poly64_t)vgetq_lane_u64(a, 0), (poly64_t)vgetq_lane_u64(b, 0)));
}
PS_ARM_INLINE uint64x2_t ps_arm_pmull_hi(uint64x2_t a, uint64x2_t b) {
  return vreinterpretq_u64_p128(vmull_high_p64(vreinterpretq_p64_u64(a), vreinterpretq_p64_u64(b)));
}
#else
/* The AESE/AESMC pair is kept adjacent (cores fuse it). */
PS_ARM_INLINE uint8x16_t ps_arm_aese_mc(uint8x16_t x, uint8x16_t k) {
  __asm__(".arch_extension aes\n\taese %0.16b, %1.16b\n\taesmc %0.16b, %0.16b" : "+w"(x) : "w"(k));
  return x;
}
PS_ARM_INLINE uint8x16_t ps_arm_aese(uint8x16_t x, uint8x16_t k) {
  __asm__(".arch_extension aes\n\taese %0.16b, %1.16b" : "+w"(x) : "w"(k));
  return x;
}
PS_ARM_INLINE uint64x2_t ps_arm_pmull_lo(uint64x2_t a, uint64x2_t b) {
  uint64x2_t r;
  __asm__(".arch_extension aes\n\tpmull %0.1q, %1.1d, %2.1d" : "=w"(r) : "w"(a), "w"(b));
  return r;
}
PS_ARM_INLINE uint64x2_t ps_arm_pmull_hi(uint64x2_t a, uint64x2_t b) {
  uint64x2_t r;
  __asm__(".arch_extension aes\n\tpmull2 %0.1q, %1.2d, %2.2d" : "=w"(r) : "w"(a), "w"(b));
  return r;
}
#endif

#endif
#endif
