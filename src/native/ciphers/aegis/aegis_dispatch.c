/*
 * ps_aegis_setup: the AEGIS family behind ps_aead_init. AEGIS has no key schedule, so the "expanded key" is the
 * key itself; setup stores it in ctx->state and picks the fastest implemented path the CPU allows:
 * AVX-512 (VAES on 512-bit registers) > VAES/AVX2 > AES-NI > portable on x86, ARMv8 AES (NEON) > portable on
 * ARM64. AEGIS-128L and AEGIS-256 have one 128-bit lane, so they use 128-bit registers; AEGIS-128X2/256X2 fill
 * one 256-bit register. On AVX-512 CPUs
 * those narrower codes are compiled once more with AVX-512VL (VPTERNLOG, 32 registers), which measured faster
 * (except AEGIS-256, whose decryption got slower, so it keeps the AES-NI code).
 */
#include "aegis_internal.h"
#include "ps_ciphers.h"
#include "ps_cpu.h"

typedef struct {
  ps_encrypt_fn encrypt;
  ps_decrypt_fn decrypt;
} aegis_impl;

typedef struct {
  int cipher;
  aegis_impl path[PS_PATH_COUNT]; /* indexed by PS_PATH_*; {NULL, NULL} where a path is not implemented */
} aegis_variant;

#define IMPL(name) {name##_encrypt, name##_decrypt}
#define NONE {NULL, NULL}
/* Each CPU's files compile to nothing on the others, so only the paths of the CPU built for are named. */
#if defined(__x86_64__) || defined(__i386__)
#define X86(name) IMPL(name)
#else
#define X86(name) NONE
#endif
#if defined(__aarch64__)
#define ARM(name) IMPL(name)
#else
#define ARM(name) NONE
#endif

/* Per variant: portable, aesni, vaes-avx2, avx512, armv8-aes (the PS_PATH_* order). */
static const aegis_variant VARIANTS[] = {
    {PS_AEGIS128L,
     {IMPL(ps_aegis128l_portable), X86(ps_aegis128l_aesni), NONE, X86(ps_aegis128l_avx512), ARM(ps_aegis128l_neon)}},
    {PS_AEGIS128X2,
     {IMPL(ps_aegis128x2_portable), X86(ps_aegis128x2_aesni), X86(ps_aegis128x2_vaes), X86(ps_aegis128x2_avx512),
      ARM(ps_aegis128x2_neon)}},
    {PS_AEGIS128X4,
     {IMPL(ps_aegis128x4_portable), X86(ps_aegis128x4_aesni), X86(ps_aegis128x4_vaes), X86(ps_aegis128x4_avx512),
      ARM(ps_aegis128x4_neon)}},
    {PS_AEGIS256, {IMPL(ps_aegis256_portable), X86(ps_aegis256_aesni), NONE, NONE, ARM(ps_aegis256_neon)}},
    {PS_AEGIS256X2,
     {IMPL(ps_aegis256x2_portable), X86(ps_aegis256x2_aesni), X86(ps_aegis256x2_vaes), X86(ps_aegis256x2_avx512),
      ARM(ps_aegis256x2_neon)}},
    {PS_AEGIS256X4,
     {IMPL(ps_aegis256x4_portable), X86(ps_aegis256x4_aesni), X86(ps_aegis256x4_vaes), X86(ps_aegis256x4_avx512),
      ARM(ps_aegis256x4_neon)}},
};

static const aegis_variant *find_variant(int cipher) {
  for (size_t i = 0; i < sizeof VARIANTS / sizeof VARIANTS[0]; i++)
    if (VARIANTS[i].cipher == cipher) return &VARIANTS[i];
  return NULL;
}

static int cpu_allows(int path) {
  switch (path) {
    case PS_PATH_AVX512: return ps_cpu_has_avx512();
    case PS_PATH_VAES_AVX2: return ps_cpu_has_vaes_avx2();
    case PS_PATH_AESNI: return ps_cpu_has_aesni();
    case PS_PATH_ARMV8_AES: return ps_cpu_has_arm_aes();
    default: return 1;
  }
}

int ps_aegis_setup(ps_aead *ctx, const uint8_t *key, int portable) {
  const aegis_variant *v = find_variant(ctx->cipher);
  if (v == NULL || key == NULL || (ctx->key_size != 16 && ctx->key_size != 32)) return -1;
  int path = PS_PATH_PORTABLE;
  for (int p = PS_PATH_COUNT - 1; p > PS_PATH_PORTABLE && !portable; p--) { /* at most one CPU's paths exist */
    if (v->path[p].encrypt != NULL && cpu_allows(p)) {
      path = p;
      break;
    }
  }
  memcpy(ctx->state, key, ctx->key_size);
  ctx->path = path;
  ctx->encrypt = v->path[path].encrypt;
  ctx->decrypt = v->path[path].decrypt;
  return 0;
}
