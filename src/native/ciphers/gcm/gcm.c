/* AES-GCM family entry: picks the CPU path for AES-128-GCM and AES-256-GCM (see gcm_internal.h). */
#include "gcm_internal.h"
#include "ps_ciphers.h"
#include "ps_cpu.h"

int ps_gcm_setup(ps_aead *ctx, const uint8_t *key, int portable) {
  if (ctx->cipher != PS_AES128GCM && ctx->cipher != PS_AES256GCM) return -1;
  if (portable) return ps_gcm_portable_setup(ctx, key);
#if defined(__x86_64__) || defined(__i386__)
  if (ps_cpu_has_avx512()) return ps_gcm_avx512_setup(ctx, key);
  if (ps_cpu_has_vaes_avx2()) return ps_gcm_vaes_setup(ctx, key);
  if (ps_cpu_has_aesni()) return ps_gcm_aesni_setup(ctx, key);
#endif
#if defined(__aarch64__)
  if (ps_cpu_has_arm_pmull()) return ps_gcm_neon_setup(ctx, key);
#endif
  return ps_gcm_portable_setup(ctx, key);
}
