/*
 * AES key expansion with AES-NI, from the key schedule of FIPS-197 section 5.2: every 4-byte word
 * w[i] = w[i-Nk] ^ f(w[i-1]), where f is RotWord+SubWord+Rcon at multiples of Nk (and, for AES-256, SubWord
 * alone at i = 4 mod 8). AESKEYGENASSIST computes SubWord (and RotWord^Rcon) of the last word; the running
 * XOR of the previous words is a prefix-XOR across the four 32-bit lanes.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("aes,sse4.1")
#include <immintrin.h>
#include <string.h>
#include "ps_aes_aesni.h"

/* Returns (p0, p0^p1, p0^p1^p2, p0^p1^p2^p3) of the four words of prev, xored with the broadcast word t. */
static __m128i next_key(__m128i prev, __m128i t) {
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 8));
  return _mm_xor_si128(prev, t);
}

/* AESKEYGENASSIST needs an immediate round constant, hence one call site per round. */
#define ROT_SUB_RCON(k, rcon) _mm_shuffle_epi32(_mm_aeskeygenassist_si128((k), (rcon)), 0xff)
#define SUB_ONLY(k) _mm_shuffle_epi32(_mm_aeskeygenassist_si128((k), 0), 0xaa)

static void expand128(__m128i *rk, const uint8_t *key) {
  __m128i k = _mm_loadu_si128((const __m128i *)key);
  rk[0] = k;
  rk[1] = k = next_key(k, ROT_SUB_RCON(k, 0x01));
  rk[2] = k = next_key(k, ROT_SUB_RCON(k, 0x02));
  rk[3] = k = next_key(k, ROT_SUB_RCON(k, 0x04));
  rk[4] = k = next_key(k, ROT_SUB_RCON(k, 0x08));
  rk[5] = k = next_key(k, ROT_SUB_RCON(k, 0x10));
  rk[6] = k = next_key(k, ROT_SUB_RCON(k, 0x20));
  rk[7] = k = next_key(k, ROT_SUB_RCON(k, 0x40));
  rk[8] = k = next_key(k, ROT_SUB_RCON(k, 0x80));
  rk[9] = k = next_key(k, ROT_SUB_RCON(k, 0x1b));
  rk[10] = next_key(k, ROT_SUB_RCON(k, 0x36));
}

/* AES-256: even round keys use RotWord+SubWord+Rcon of the previous odd key, odd ones SubWord of the even key. */
#define STEP256(i, rcon)                                     \
  do {                                                       \
    rk[i] = a = next_key(a, ROT_SUB_RCON(b, rcon));          \
    rk[(i) + 1] = b = next_key(b, SUB_ONLY(a));                  \
  } while (0)

static void expand256(__m128i *rk, const uint8_t *key) {
  __m128i a = _mm_loadu_si128((const __m128i *)key);
  __m128i b = _mm_loadu_si128((const __m128i *)(key + 16));
  rk[0] = a;
  rk[1] = b;
  STEP256(2, 0x01);
  STEP256(4, 0x02);
  STEP256(6, 0x04);
  STEP256(8, 0x08);
  STEP256(10, 0x10);
  STEP256(12, 0x20);
  rk[14] = next_key(a, ROT_SUB_RCON(b, 0x40));
}

int ps_aesni_expand_key(uint8_t out[(PS_AES_MAX_ROUNDS + 1) * 16], const uint8_t *key, size_t key_len) {
  __m128i rk[PS_AES_MAX_ROUNDS + 1];
  int rounds = key_len == 16 ? 10 : key_len == 32 ? 14 : 0;
  if (rounds == 10) expand128(rk, key);
  if (rounds == 14) expand256(rk, key);
  if (rounds) memcpy(out, rk, (size_t)(rounds + 1) * 16);
  volatile __m128i *v = rk; /* wipe the stack copy */
  for (int i = 0; i <= PS_AES_MAX_ROUNDS; i++) v[i] = _mm_setzero_si128();
  return rounds;
}

PS_TARGET_POP
#endif
