/*
 * The vector operations the AEGIS templates need, on 512-bit registers with VAES and AVX-512: four AEGIS lanes
 * (four 128-bit AES blocks) per register. Include after `PS_TARGET_PUSH("vaes,avx512f,avx512bw,avx512vl,aes")` (ps_target.h).
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#ifndef PS_AEGIS_VEC_ZMM_H
#define PS_AEGIS_VEC_ZMM_H

#include <immintrin.h>
#include <stdint.h>

typedef __m512i aegis_vec;
#define AEGIS_VEC_BYTES 64

#define VINLINE static inline __attribute__((always_inline))

VINLINE aegis_vec v_load(const uint8_t *p) { return _mm512_loadu_si512((const void *)p); }
VINLINE void v_store(uint8_t *p, aegis_vec v) { _mm512_storeu_si512((void *)p, v); }
VINLINE aegis_vec v_xor(aegis_vec a, aegis_vec b) { return _mm512_xor_si512(a, b); }
VINLINE aegis_vec v_and(aegis_vec a, aegis_vec b) { return _mm512_and_si512(a, b); }
/* AESRound(in, rk) of the draft on each 128-bit lane: VAESENC. */
VINLINE aegis_vec v_aesround(aegis_vec in, aegis_vec rk) { return _mm512_aesenc_epi128(in, rk); }
VINLINE aegis_vec v_bcast(const uint8_t *p) { return _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)p)); }
/* ZeroPad(Byte(lane) || Byte(d - 1), 128) for lanes first .. first + 3. */
VINLINE aegis_vec v_ctx(int first, int d) {
  long long hi = (long long)(d - 1) << 8;
  return _mm512_set_epi64(0, (first + 3) | hi, 0, (first + 2) | hi, 0, (first + 1) | hi, 0, first | hi);
}
VINLINE void v_fold(uint8_t out[16], aegis_vec v) {
  __m128i x = _mm_xor_si128(_mm512_extracti32x4_epi32(v, 0), _mm512_extracti32x4_epi32(v, 1));
  x = _mm_xor_si128(x, _mm_xor_si128(_mm512_extracti32x4_epi32(v, 2), _mm512_extracti32x4_epi32(v, 3)));
  _mm_storeu_si128((__m128i *)out, x);
}

#endif
#endif
