/* The dispatcher: cipher ids to sizes and names, and ps_aead_init routing to each algorithm family. */
#include <string.h>
#include "ps_aead.h"
#include "ps_ciphers.h"
#include "ps_cpu.h"

/* Sizes: must equal the one cipher table, src/ciphers/table.ts (test/cipher-table.test.ts checks). */
static const struct {
  const char *name;
  size_t key, nonce;
} CIPHERS[PS_CIPHER_MAX + 1] = {
    [PS_AES128GCM] = {"aes128gcm", 16, 12},  [PS_AES256GCM] = {"aes256gcm", 32, 12},
    [PS_AEGIS256] = {"aegis256", 32, 32},    [PS_AEGIS256X2] = {"aegis256x2", 32, 32},
    [PS_AEGIS256X4] = {"aegis256x4", 32, 32}, [PS_AEGIS128L] = {"aegis128l", 16, 16},
    [PS_AEGIS128X2] = {"aegis128x2", 16, 16}, [PS_AEGIS128X4] = {"aegis128x4", 16, 16},
};

static int known(int cipher) { return cipher >= PS_CIPHER_MIN && cipher <= PS_CIPHER_MAX; }

size_t ps_cipher_key_size(int cipher) { return known(cipher) ? CIPHERS[cipher].key : 0; }
size_t ps_cipher_nonce_size(int cipher) { return known(cipher) ? CIPHERS[cipher].nonce : 0; }
const char *ps_cipher_name(int cipher) { return known(cipher) ? CIPHERS[cipher].name : "unknown"; }

const char *ps_path_name(int path) {
  switch (path) {
    case PS_PATH_AESNI: return "aesni";
    case PS_PATH_VAES_AVX2: return "vaes-avx2";
    case PS_PATH_AVX512: return "avx512";
    case PS_PATH_ARMV8_AES: return "armv8-aes";
    default: return "portable";
  }
}

int ps_aead_init(ps_aead *ctx, int cipher, const uint8_t *key, size_t key_len, unsigned flags) {
  memset(ctx, 0, sizeof *ctx);
  if (!known(cipher) || key == NULL || key_len != CIPHERS[cipher].key) return -1;
  ctx->cipher = cipher;
  ctx->key_size = CIPHERS[cipher].key;
  ctx->nonce_size = CIPHERS[cipher].nonce;
  int portable = (flags & PS_AEAD_FORCE_PORTABLE) != 0 || ps_force_portable_env();
  int rc = (cipher == PS_AES128GCM || cipher == PS_AES256GCM) ? ps_gcm_setup(ctx, key, portable)
                                                              : ps_aegis_setup(ctx, key, portable);
  if (rc != 0) ps_aead_wipe(ctx);
  return rc;
}

void ps_aead_wipe(ps_aead *ctx) { ps_wipe(ctx, sizeof *ctx); }
