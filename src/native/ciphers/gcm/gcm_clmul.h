/*
 * 128-bit helpers shared by the AES-NI and VAES GCM files; include after their `PS_TARGET_PUSH` (the
 * functions take the instruction sets of the including file).
 *
 * GHASH (SP 800-38D 6.3) works in GF(2^128) modulo P = x^128 + x^7 + x^2 + x + 1, where bit i of a block
 * (bit 0 = most significant bit of byte 0) is the coefficient of x^i. Blocks are byte-reversed on load, so a
 * register's bit j holds the coefficient of x^(127-j). A carry-less product of two such registers, read as 256
 * bits where bit j holds x^(255-j), is x*A*B; so we keep H' = H*x^(-1) mod P (the register shifted left by one,
 * folding with x^(-1) = x^127 + x^6 + x + 1, i.e. the constant 0xC2000..01), and clmul(A, H'^k) reduces to A*H^k.
 * The reduction clears the 128 low register bits (the high powers of x) 64 bits at a time: adding a multiple of P
 * at those positions costs one 64x64 carry-less multiply by 0xC200000000000000 per half.
 */
#ifndef PS_GCM_CLMUL_H
#define PS_GCM_CLMUL_H

#include <immintrin.h>
#include <string.h>
#include "ps_aes_aesni.h"

#define INLINE static inline __attribute__((always_inline))

INLINE __m128i bswap128(__m128i x) {
  return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

/* Swaps the byte order of the last 32-bit word only (the big-endian block counter <-> a native integer). */
INLINE __m128i bswap_ctr(__m128i x) {
  return _mm_shuffle_epi8(x, _mm_set_epi8(12, 13, 14, 15, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

/* Reduces the 256-bit carry-less product (hi:lo) to 128 bits (see the top comment). */
INLINE __m128i reduce(__m128i lo, __m128i hi) {
  const __m128i k = _mm_set_epi64x((long long)0xC200000000000000ULL, 0);
  __m128i t1 = _mm_clmulepi64_si128(lo, k, 0x10);
  __m128i x = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), t1);
  __m128i t2 = _mm_clmulepi64_si128(x, k, 0x10);
  return _mm_xor_si128(_mm_xor_si128(hi, _mm_shuffle_epi32(x, 0x4e)), t2);
}

/* a * b for a single block (setup and the length block). */
INLINE __m128i gf_mul(__m128i a, __m128i b) {
  __m128i lo = _mm_clmulepi64_si128(a, b, 0x00), hi = _mm_clmulepi64_si128(a, b, 0x11);
  __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10));
  return reduce(_mm_xor_si128(lo, _mm_slli_si128(mid, 8)), _mm_xor_si128(hi, _mm_srli_si128(mid, 8)));
}

/* H' = H*x^(-1): the byte-reversed H shifted left by one bit, folding the bit shifted out back in as x^(-1). */
INLINE __m128i h_prime(__m128i h) {
  __m128i carries = _mm_srli_epi64(h, 63);
  __m128i shifted = _mm_or_si128(_mm_slli_epi64(h, 1), _mm_slli_si128(carries, 8));
  __m128i top = _mm_srai_epi32(_mm_shuffle_epi32(h, 0xff), 31); /* all ones when bit 127 was set */
  const __m128i x_inv = _mm_set_epi64x((long long)0xC200000000000000ULL, 1);
  return _mm_xor_si128(shifted, _mm_and_si128(top, x_inv));
}

/* One AES encryption of b with nr rounds. */
INLINE __m128i aes_encrypt1(const __m128i *rk, __m128i b, int nr) {
  b = _mm_xor_si128(b, rk[0]);
  for (int r = 1; r < nr; r++) b = _mm_aesenc_si128(b, rk[r]);
  return _mm_aesenclast_si128(b, rk[nr]);
}

/* H' from the round keys: the byte-reversed E_K(0^128), times x^(-1). */
INLINE __m128i hash_key(const __m128i *rk, int nr) { return h_prime(bswap128(aes_encrypt1(rk, _mm_setzero_si128(), nr))); }

/* J0 = IV || 0^31 || 1 for a 96-bit IV (SP 800-38D 7.1 step 2). */
INLINE __m128i make_j0(const uint8_t *nonce) {
  _Alignas(16) uint8_t j0[16] = {0};
  memcpy(j0, nonce, 12);
  j0[15] = 1;
  return _mm_load_si128((const __m128i *)j0);
}

/* The last GHASH block [len(A)]64 || [len(C)]64 (in bits), byte-reversed. */
INLINE __m128i length_block(size_t adlen, size_t len) {
  return _mm_set_epi64x((long long)((uint64_t)adlen * 8), (long long)((uint64_t)len * 8));
}

/* tag = E_K(J0) ^ S, with S = the final GHASH state (byte-reversed). */
INLINE void store_tag(uint8_t *out, const __m128i *rk, int nr, __m128i j0, __m128i s) {
  _mm_storeu_si128((__m128i *)out, _mm_xor_si128(bswap128(s), aes_encrypt1(rk, j0, nr)));
}

#endif
