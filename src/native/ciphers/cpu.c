/* Runtime CPU feature detection (GCC/Clang builtins; cpuid also checks the OS saves the registers). */
#include <stdlib.h>
#include <string.h>
#include "ps_cpu.h"

#if defined(__x86_64__) || defined(__i386__)
/*
 * PAGESEAL_MAX_PATH=aesni or =vaes-avx2 caps the fast path below what the CPU offers, so tests can cover
 * every path on one machine. Read at each check (checks run at key setup, never per page).
 */
static int max_path_below(const char *path) {
  const char *v = getenv("PAGESEAL_MAX_PATH");
  if (v == NULL) return 0;
  if (strcmp(path, "vaes-avx2") == 0) return strcmp(v, "aesni") == 0;
  if (strcmp(path, "avx512") == 0) return strcmp(v, "aesni") == 0 || strcmp(v, "vaes-avx2") == 0;
  return 0;
}

int ps_cpu_has_aesni(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1") &&
         __builtin_cpu_supports("ssse3");
}
int ps_cpu_has_vaes_avx2(void) {
  return !max_path_below("vaes-avx2") && ps_cpu_has_aesni() && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("vaes") && __builtin_cpu_supports("vpclmulqdq");
}
int ps_cpu_has_avx512(void) {
  return !max_path_below("avx512") && ps_cpu_has_vaes_avx2() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}
#else
int ps_cpu_has_aesni(void) { return 0; }
int ps_cpu_has_vaes_avx2(void) { return 0; }
int ps_cpu_has_avx512(void) { return 0; }
#endif

int ps_force_portable_env(void) {
  static int cached = -1;
  if (cached < 0) {
    const char *v = getenv("PAGESEAL_FORCE_PORTABLE");
    cached = (v != NULL && strcmp(v, "1") == 0) ? 1 : 0;
  }
  return cached;
}
