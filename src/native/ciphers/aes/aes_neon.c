/*
 * AES key expansion with the ARMv8 AES instructions, from the key schedule of FIPS-197 section 5.2: every 4-byte
 * word w[i] = w[i-Nk] ^ f(w[i-1]), where f is RotWord+SubWord+Rcon at multiples of Nk and, for AES-256,
 * SubWord alone at i = 4 mod 8. SubWord comes from AESE with a zero key on the word repeated in all four
 * columns: ShiftRows then moves nothing, so each column holds SubWord(w). No table, no secret-dependent branch.
 */
#if defined(__aarch64__) /* ARM64 only; compiles to nothing elsewhere */
#include "ps_target.h"
PS_TARGET_PUSH(PS_TARGET_ARM_CRYPTO)
#include <arm_neon.h>
#include <string.h>
#include "ps_aead.h"
#include "ps_aes_neon.h"
#include "ps_arm_crypto.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the ARM64 paths assume little-endian (AArch64 Linux/macOS)");

static uint32_t sub_word(uint32_t w) {
  uint8x16_t x = ps_arm_aese(vreinterpretq_u8_u32(vdupq_n_u32(w)), vdupq_n_u8(0));
  return vgetq_lane_u32(vreinterpretq_u32_u8(x), 0);
}

int ps_arm_aes_expand_key(uint8_t out[(PS_AES_NEON_MAX_ROUNDS + 1) * 16], const uint8_t *key, size_t key_len) {
  uint32_t w[4 * (PS_AES_NEON_MAX_ROUNDS + 1)];
  int rounds = key_len == 16 ? 10 : key_len == 32 ? 14 : 0;
  if (rounds == 0) return 0;
  size_t nk = key_len / 4, total = 4 * (size_t)(rounds + 1);
  uint32_t rcon = 1;
  memcpy(w, key, key_len); /* little-endian words: byte 0 of the key is the low byte of w[0] */
  for (size_t i = nk; i < total; i++) {
    uint32_t t = w[i - 1];
    if (i % nk == 0) {
      t = sub_word(t);
      t = ((t >> 8) | (t << 24)) ^ rcon; /* RotWord after SubWord (they commute), then Rcon on byte 0 */
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
    } else if (nk == 8 && i % 8 == 4) {
      t = sub_word(t);
    }
    w[i] = w[i - nk] ^ t;
  }
  memcpy(out, w, total * 4);
  ps_wipe(w, sizeof w);
  return rounds;
}
PS_TARGET_POP
#endif
