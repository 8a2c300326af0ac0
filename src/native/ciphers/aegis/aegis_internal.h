/*
 * Shared by the AEGIS files (aegis128l/, aegis128x/, aegis256/, aegis256x/, aegis_dispatch.c).
 *
 * The algorithms are those of draft-irtf-cfrg-aegis-aead-18 (RFC 10032), "The AEGIS Family of Authenticated
 * Encryption Algorithms". AEGIS has no key schedule: ctx->state holds the raw key (16 or 32 bytes) and every call
 * runs Init(key, nonce), absorbs the associated data, encrypts or decrypts the buffer in place and finalizes.
 *
 * Every entry point has the ps_encrypt_fn / ps_decrypt_fn signature of ps_aead.h. Tags are 16 bytes, or 32
 * (the draft's 256-bit tag) when taglen == 32.
 */
#ifndef PS_AEGIS_INTERNAL_H
#define PS_AEGIS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ps_aead.h"

/* Constant-time checks under valgrind (build with -DPS_VALGRIND_CT, secrets marked undefined): marks a value that
 * is public by design, such as the verdict of a tag check, as defined. Nothing in normal builds. */
#ifdef PS_VALGRIND_CT
#include <valgrind/memcheck.h>
#define PS_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define PS_DECLASSIFY(p, n) ((void)0)
#endif

/* The draft's constants C0 and C1 (section "Notation"; the Fibonacci sequence mod 256). */
static const uint8_t PS_AEGIS_C0[16] = {0x00, 0x01, 0x01, 0x02, 0x03, 0x05, 0x08, 0x0d,
                                        0x15, 0x22, 0x37, 0x59, 0x90, 0xe9, 0x79, 0x62};
static const uint8_t PS_AEGIS_C1[16] = {0xdb, 0x3d, 0x18, 0x55, 0x6d, 0xc2, 0x2f, 0xf1,
                                        0x20, 0x11, 0x31, 0x42, 0x73, 0xb5, 0x28, 0xdd};

#define PS_AEGIS_ENTRY(name)                                                                                        \
  void name##_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,             \
                      const uint8_t *nonce, uint8_t *tag, size_t taglen);                                        \
  int name##_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,              \
                     const uint8_t *nonce, const uint8_t *tag, size_t taglen)

/* One pair of entry points per (variant, CPU path). The X variants with D lanes on a narrower register use
 * several registers per state word (e.g. AEGIS-128X4 on AES-NI uses four 128-bit registers). */
PS_AEGIS_ENTRY(ps_aegis128l_portable);
PS_AEGIS_ENTRY(ps_aegis128l_aesni);
PS_AEGIS_ENTRY(ps_aegis128l_avx512);
PS_AEGIS_ENTRY(ps_aegis128x2_portable);
PS_AEGIS_ENTRY(ps_aegis128x2_aesni);
PS_AEGIS_ENTRY(ps_aegis128x2_vaes);
PS_AEGIS_ENTRY(ps_aegis128x2_avx512);
PS_AEGIS_ENTRY(ps_aegis128x4_portable);
PS_AEGIS_ENTRY(ps_aegis128x4_aesni);
PS_AEGIS_ENTRY(ps_aegis128x4_vaes);
PS_AEGIS_ENTRY(ps_aegis128x4_avx512);
PS_AEGIS_ENTRY(ps_aegis256_portable);
PS_AEGIS_ENTRY(ps_aegis256_aesni);
PS_AEGIS_ENTRY(ps_aegis256x2_portable);
PS_AEGIS_ENTRY(ps_aegis256x2_aesni);
PS_AEGIS_ENTRY(ps_aegis256x2_vaes);
PS_AEGIS_ENTRY(ps_aegis256x2_avx512);
PS_AEGIS_ENTRY(ps_aegis256x4_portable);
PS_AEGIS_ENTRY(ps_aegis256x4_aesni);
PS_AEGIS_ENTRY(ps_aegis256x4_vaes);
PS_AEGIS_ENTRY(ps_aegis256x4_avx512);
/* ARM64: ARMv8 AES on 128-bit NEON registers, one lane per register. */
PS_AEGIS_ENTRY(ps_aegis128l_neon);
PS_AEGIS_ENTRY(ps_aegis128x2_neon);
PS_AEGIS_ENTRY(ps_aegis128x4_neon);
PS_AEGIS_ENTRY(ps_aegis256_neon);
PS_AEGIS_ENTRY(ps_aegis256x2_neon);
PS_AEGIS_ENTRY(ps_aegis256x4_neon);

/* The portable implementations, generic over the degree d (1, 2 or 4 lanes). */
void ps_aegis128_portable_encrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                    size_t adlen, const uint8_t *nonce, uint8_t *tag, size_t taglen);
int ps_aegis128_portable_decrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                   size_t adlen, const uint8_t *nonce, const uint8_t *tag, size_t taglen);
void ps_aegis256_portable_encrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                    size_t adlen, const uint8_t *nonce, uint8_t *tag, size_t taglen);
int ps_aegis256_portable_decrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                   size_t adlen, const uint8_t *nonce, const uint8_t *tag, size_t taglen);


/* The block absorbed by Finalize: LE64(ad_len_bits) || LE64(msg_len_bits). */
static inline void ps_aegis_lengths(uint8_t out[16], size_t adlen, size_t len) {
  uint64_t le[2] = {(uint64_t)adlen * 8, (uint64_t)len * 8};
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(out, le, 16);
#else
  for (int i = 0; i < 8; i++) {
    out[i] = (uint8_t)(le[0] >> (8 * i));
    out[8 + i] = (uint8_t)(le[1] >> (8 * i));
  }
#endif
}

/* Writes the tag: 32 bytes when taglen == 32, else 16 (or fewer if the caller asked for fewer). */
static inline void ps_aegis_put_tag(uint8_t *tag, size_t taglen, const uint8_t full[32]) {
  size_t n = taglen == 32 ? 32 : (taglen < 16 ? taglen : 16);
  memcpy(tag, full, n);
}

/*
 * Ends a decryption: compares the computed tag with the given one in constant time (no branch or early exit on
 * the bytes). On a mismatch, or a tag length other than 16 or 32, zeroes the buffer and returns -1.
 */
static inline int ps_aegis_finish_decrypt(uint8_t *buf, size_t len, const uint8_t full[32], const uint8_t *tag,
                                          size_t taglen) {
  if (taglen != 16 && taglen != 32) {
    if (len > 0) memset(buf, 0, len);
    return -1;
  }
  uint8_t diff = 0;
  for (size_t i = 0; i < taglen; i++) diff |= (uint8_t)(full[i] ^ tag[i]);
  uint32_t bad = ((uint32_t)diff + 0xffu) >> 8; /* 1 when diff != 0, without a branch on the tag bytes */
  PS_DECLASSIFY(&bad, sizeof bad); /* accept or reject is public */
  if (bad && len > 0) memset(buf, 0, len);
  return -(int)bad;
}

#endif
