/* The switches shared by every CPU: PAGESEAL_FORCE_PORTABLE and PAGESEAL_MAX_PATH (feature checks: cpu_*.c). */
#include <stdlib.h>
#include <string.h>
#include "ps_aead.h"
#include "ps_cpu.h"

int ps_force_portable_env(void) {
  static int cached = -1;
  if (cached < 0) {
    const char *v = getenv("PAGESEAL_FORCE_PORTABLE");
    cached = (v != NULL && strcmp(v, "1") == 0) ? 1 : 0;
  }
  return cached;
}

/*
 * PAGESEAL_MAX_PATH caps the fast path below what the CPU offers, so tests can cover every path on one machine.
 * The x86 paths are ordered aesni < vaes-avx2 < avx512; on ARM64 there is one fast path, capped only by
 * =portable. Another value caps nothing.
 */
int ps_cpu_path_capped(int path) {
  const char *v = getenv("PAGESEAL_MAX_PATH");
  if (v == NULL || path == PS_PATH_PORTABLE) return 0;
  if (strcmp(v, "portable") == 0) return 1;
  if (path == PS_PATH_VAES_AVX2) return strcmp(v, "aesni") == 0;
  if (path == PS_PATH_AVX512) return strcmp(v, "aesni") == 0 || strcmp(v, "vaes-avx2") == 0;
  return 0;
}
