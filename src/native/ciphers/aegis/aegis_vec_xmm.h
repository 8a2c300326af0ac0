/*
 * The vector operations the AEGIS templates (aegis128l/aegis128l_impl.h, aegis256/aegis256_impl.h) need, on
 * 128-bit registers with AES-NI: one AEGIS lane (one 128-bit AES block) per register.
 * Include after `PS_TARGET_PUSH("aes,sse4.1,ssse3")` (ps_target.h).
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#ifndef PS_AEGIS_VEC_XMM_H
#define PS_AEGIS_VEC_XMM_H

#include <immintrin.h>
#include <stdint.h>

typedef __m128i aegis_vec;
#define AEGIS_VEC_BYTES 16

#define VINLINE static inline __attribute__((always_inline))

VINLINE aegis_vec v_load(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }
VINLINE void v_store(uint8_t *p, aegis_vec v) { _mm_storeu_si128((__m128i *)p, v); }
VINLINE aegis_vec v_xor(aegis_vec a, aegis_vec b) { return _mm_xor_si128(a, b); }
VINLINE aegis_vec v_and(aegis_vec a, aegis_vec b) { return _mm_and_si128(a, b); }
/* AESRound(in, rk) of the draft is exactly one AESENC. */
VINLINE aegis_vec v_aesround(aegis_vec in, aegis_vec rk) { return _mm_aesenc_si128(in, rk); }
/* A 16-byte block repeated in every lane. */
VINLINE aegis_vec v_bcast(const uint8_t *p) { return v_load(p); }
/* The per-lane context blocks ZeroPad(Byte(lane) || Byte(d - 1), 128) for the lanes from `first` on. */
VINLINE aegis_vec v_ctx(int first, int d) { return _mm_set_epi64x(0, (long long)(first | ((d - 1) << 8))); }
/* XOR of all lanes of v, stored as one 16-byte block. */
VINLINE void v_fold(uint8_t out[16], aegis_vec v) { v_store(out, v); }

#endif
#endif
