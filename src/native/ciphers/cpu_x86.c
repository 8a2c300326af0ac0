/*
 * x86 feature checks with CPUID and XGETBV (cpuid.h works under GCC and clang, whose __builtin_cpu_supports
 * names differ). A path needs its instructions (CPUID) and the OS saving the registers it uses (XCR0).
 */
#include "ps_aead.h"
#include "ps_cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <stdint.h>

typedef struct {
  uint32_t ecx1, ebx7, ecx7; /* CPUID leaf 1 ECX, leaf 7.0 EBX and ECX */
  uint64_t xcr0;             /* 0 when the OS does not enable XSAVE */
} x86_features;

static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0)); /* XGETBV */
  return ((uint64_t)hi << 32) | lo;
}

static x86_features read_features(void) {
  x86_features f = {0, 0, 0, 0};
  uint32_t a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  f.ecx1 = c;
  if (c & (1u << 27)) f.xcr0 = read_xcr0(); /* OSXSAVE */
  if (__get_cpuid_max(0, NULL) >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.ebx7 = b;
    f.ecx7 = c;
  }
  return f;
}

/*
 * CPUID is read once per process: under a hypervisor each CPUID traps (tens of microseconds), and a check
 * runs at every key setup, i.e. every open. The bits cannot change while the process runs; racing first
 * readers store the same values. PAGESEAL_MAX_PATH is still read at each check (ps_cpu_path_capped).
 */
static uint32_t cached_ecx1, cached_ebx7, cached_ecx7;
static uint64_t cached_xcr0;
static int cached_ready; /* 1 once the cached_* fields hold the features; all accessed with __atomic */

static x86_features features(void) {
  x86_features f;
  if (__atomic_load_n(&cached_ready, __ATOMIC_ACQUIRE)) {
    f.ecx1 = __atomic_load_n(&cached_ecx1, __ATOMIC_RELAXED);
    f.ebx7 = __atomic_load_n(&cached_ebx7, __ATOMIC_RELAXED);
    f.ecx7 = __atomic_load_n(&cached_ecx7, __ATOMIC_RELAXED);
    f.xcr0 = __atomic_load_n(&cached_xcr0, __ATOMIC_RELAXED);
    return f;
  }
  f = read_features();
  __atomic_store_n(&cached_ecx1, f.ecx1, __ATOMIC_RELAXED);
  __atomic_store_n(&cached_ebx7, f.ebx7, __ATOMIC_RELAXED);
  __atomic_store_n(&cached_ecx7, f.ecx7, __ATOMIC_RELAXED);
  __atomic_store_n(&cached_xcr0, f.xcr0, __ATOMIC_RELAXED);
  __atomic_store_n(&cached_ready, 1, __ATOMIC_RELEASE);
  return f;
}

#define BIT(x, n) (((x) >> (n)) & 1u)

int ps_cpu_has_aesni(void) {
  x86_features f = features();
  return !ps_cpu_path_capped(PS_PATH_AESNI) && BIT(f.ecx1, 25) && BIT(f.ecx1, 1) && BIT(f.ecx1, 19) &&
         BIT(f.ecx1, 9); /* AES PCLMULQDQ SSE4.1 SSSE3 */
}

int ps_cpu_has_vaes_avx2(void) {
  x86_features f = features();
  int ymm_saved = (f.xcr0 & 0x6) == 0x6; /* SSE and AVX state */
  return !ps_cpu_path_capped(PS_PATH_VAES_AVX2) && ps_cpu_has_aesni() && ymm_saved && BIT(f.ecx1, 28) &&
         BIT(f.ebx7, 5) && BIT(f.ecx7, 9) && BIT(f.ecx7, 10); /* AVX AVX2 VAES VPCLMULQDQ */
}

int ps_cpu_has_avx512(void) {
  x86_features f = features();
  int zmm_saved = (f.xcr0 & 0xe6) == 0xe6; /* SSE, AVX, opmask, ZMM0-15 upper halves, ZMM16-31 */
  return !ps_cpu_path_capped(PS_PATH_AVX512) && ps_cpu_has_vaes_avx2() && zmm_saved && BIT(f.ebx7, 16) &&
         BIT(f.ebx7, 30) && BIT(f.ebx7, 31); /* AVX-512F BW VL */
}
#else
int ps_cpu_has_aesni(void) { return 0; }
int ps_cpu_has_vaes_avx2(void) { return 0; }
int ps_cpu_has_avx512(void) { return 0; }
#endif
