/*
 * ps_aead.h: the one interface between the native ciphers and everything that uses them
 * (the N-API binding and the VFS). Every cipher is an AEAD with a detached tag, working in place
 * on a caller's buffer, with no heap allocation per call. A ps_aead holds the expanded key for one
 * (cipher, key) pair; build it once per key, reuse it for every page, wipe it when done.
 */
#ifndef PS_AEAD_H
#define PS_AEAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Cipher ids: Turso's id byte (page 1, byte 6); must equal src/ciphers/table.ts (test/cipher-table.test.ts). */
enum {
  PS_AES128GCM = 1,
  PS_AES256GCM = 2,
  PS_AEGIS256 = 3,
  PS_AEGIS256X2 = 4,
  PS_AEGIS256X4 = 5,
  PS_AEGIS128L = 6,
  PS_AEGIS128X2 = 7,
  PS_AEGIS128X4 = 8
};
#define PS_CIPHER_MIN 1
#define PS_CIPHER_MAX 8

/* CPU paths. */
enum {
  PS_PATH_PORTABLE = 0, /* plain C, constant-time, any CPU */
  PS_PATH_AESNI = 1,    /* AES-NI (+ PCLMULQDQ for GHASH), 128-bit lanes */
  PS_PATH_VAES_AVX2 = 2,/* VAES on 256-bit registers */
  PS_PATH_AVX512 = 3,   /* VAES on 512-bit registers (AVX-512F) */
  PS_PATH_ARMV8_AES = 4 /* ARM64: ARMv8 AES instructions on NEON registers (+ PMULL for GHASH) */
};
#define PS_PATH_COUNT 5

/* Flags for ps_aead_init. */
#define PS_AEAD_FORCE_PORTABLE 1u

/* Room for the expanded key of any cipher on any path (round keys, GHASH powers, bitsliced keys). */
#define PS_AEAD_STATE_MAX 2048

typedef struct ps_aead ps_aead;

typedef void (*ps_encrypt_fn)(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                              const uint8_t *nonce, uint8_t *tag, size_t taglen);
/* Returns 0 when the tag verifies; otherwise -1 and buf is zeroed (no unauthenticated plaintext). */
typedef int (*ps_decrypt_fn)(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                             const uint8_t *nonce, const uint8_t *tag, size_t taglen);

struct ps_aead {
  int cipher;        /* PS_AES128GCM .. PS_AEGIS128X4 */
  int path;          /* PS_PATH_* chosen at init */
  size_t key_size;
  size_t nonce_size;
  ps_encrypt_fn encrypt;
  ps_decrypt_fn decrypt;
  _Alignas(64) uint8_t state[PS_AEAD_STATE_MAX]; /* per-cipher expanded key; opaque */
};

/* Key and nonce sizes of a cipher id; 0 for an unknown id. */
size_t ps_cipher_key_size(int cipher);
size_t ps_cipher_nonce_size(int cipher);
const char *ps_cipher_name(int cipher);

/*
 * Sets ctx up for (cipher, key). Picks the fastest path the CPU supports unless flags has
 * PS_AEAD_FORCE_PORTABLE or the environment variable PAGESEAL_FORCE_PORTABLE=1 is set.
 * Returns 0, or -1 for an unknown cipher or a key of the wrong size.
 */
int ps_aead_init(ps_aead *ctx, int cipher, const uint8_t *key, size_t key_len, unsigned flags);

/* Zeroes all key material in ctx (through a write the compiler cannot drop). */
void ps_aead_wipe(ps_aead *ctx);

/* In-place encrypt/decrypt. taglen is 16 (32 also accepted by AEGIS, for the published vectors). */
static inline void ps_aead_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ctx->encrypt(ctx, buf, len, ad, adlen, nonce, tag, taglen);
}
static inline int ps_aead_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                  const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ctx->decrypt(ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

/* "portable", "aesni", "vaes-avx2", "avx512", "armv8-aes" */
const char *ps_path_name(int path);

/* Fills buf with len bytes from the OS CSPRNG (getrandom on Linux, getentropy/arc4random_buf elsewhere, see
 * ciphers/util.c). Returns 0, or -1 on failure. */
int ps_random_bytes(uint8_t *buf, size_t len);

/* Zeroes secrets: a memset the optimiser keeps (the empty asm makes the zeroed bytes observable). */
static inline void ps_wipe(void *p, size_t n) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  volatile unsigned char *v = (volatile unsigned char *)p;
  while (n--) *v++ = 0;
#endif
}

#ifdef __cplusplus
}
#endif
#endif
