/*
 * The vector operations the AEGIS templates need, on 256-bit registers with VAES and AVX2: two AEGIS lanes
 * (two 128-bit AES blocks) per register. Include after `PS_TARGET_PUSH("vaes,avx2,aes")` (ps_target.h).
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#ifndef PS_AEGIS_VEC_YMM_H
#define PS_AEGIS_VEC_YMM_H

#include <immintrin.h>
#include <stdint.h>

typedef __m256i aegis_vec;
#define AEGIS_VEC_BYTES 32

#define VINLINE static inline __attribute__((always_inline))

VINLINE aegis_vec v_load(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
VINLINE void v_store(uint8_t *p, aegis_vec v) { _mm256_storeu_si256((__m256i *)p, v); }
VINLINE aegis_vec v_xor(aegis_vec a, aegis_vec b) { return _mm256_xor_si256(a, b); }
VINLINE aegis_vec v_and(aegis_vec a, aegis_vec b) { return _mm256_and_si256(a, b); }
/* AESRound(in, rk) of the draft on each 128-bit lane: VAESENC. */
VINLINE aegis_vec v_aesround(aegis_vec in, aegis_vec rk) { return _mm256_aesenc_epi128(in, rk); }
VINLINE aegis_vec v_bcast(const uint8_t *p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
}
/* ZeroPad(Byte(lane) || Byte(d - 1), 128) for lanes first and first + 1. */
VINLINE aegis_vec v_ctx(int first, int d) {
  long long hi = (long long)(d - 1) << 8;
  return _mm256_set_epi64x(0, (first + 1) | hi, 0, first | hi);
}
VINLINE void v_fold(uint8_t out[16], aegis_vec v) {
  __m128i x = _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storeu_si128((__m128i *)out, x);
}

#endif
#endif
