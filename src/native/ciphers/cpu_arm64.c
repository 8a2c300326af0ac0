/*
 * ARM64 feature checks: the ARMv8 Crypto Extensions are optional (Cortex-A53/A72 parts without them exist, e.g.
 * the Raspberry Pi 4's BCM2711), so they are read from the OS at run time: the ELF auxiliary vector on Linux
 * (AT_HWCAP: HWCAP_AES, HWCAP_PMULL), elf_aux_info on FreeBSD, sysctl hw.optional.arm.FEAT_* on macOS,
 * IsProcessorFeaturePresent on Windows.
 * Elsewhere the fast paths stay off.
 */
#include "ps_aead.h"
#include "ps_cpu.h"

#if defined(__aarch64__)
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_AES
#define HWCAP_AES (1UL << 3)
#endif
#ifndef HWCAP_PMULL
#define HWCAP_PMULL (1UL << 4)
#endif
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
static int os_has(unsigned long bit) { return (getauxval(AT_HWCAP) & bit) == bit; }
#define HAS_AES() os_has(HWCAP_ASIMD | HWCAP_AES)
#define HAS_PMULL() os_has(HWCAP_PMULL)

#elif defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
static int sysctl_flag(const char *name) {
  int v = 0;
  size_t n = sizeof v;
  return sysctlbyname(name, &v, &n, NULL, 0) == 0 && v == 1;
}
#define HAS_AES() sysctl_flag("hw.optional.arm.FEAT_AES")
#define HAS_PMULL() sysctl_flag("hw.optional.arm.FEAT_PMULL")

#elif defined(__FreeBSD__)
#include <machine/elf.h>
#include <sys/auxv.h>
static int os_has(unsigned long bit) {
  unsigned long caps = 0;
  return elf_aux_info(AT_HWCAP, &caps, sizeof caps) == 0 && (caps & bit) == bit;
}
#define HAS_AES() os_has(HWCAP_ASIMD | HWCAP_AES)
#define HAS_PMULL() os_has(HWCAP_PMULL)

#elif defined(_WIN32)
#include <windows.h>
/* One flag for AES, PMULL, SHA-1 and SHA-2 together. */
#define HAS_AES() IsProcessorFeaturePresent(PF_ARM_V8_CRYPTO_INSTRUCTIONS_AVAILABLE)
#define HAS_PMULL() IsProcessorFeaturePresent(PF_ARM_V8_CRYPTO_INSTRUCTIONS_AVAILABLE)

#else
#define HAS_AES() 0
#define HAS_PMULL() 0
#endif

int ps_cpu_has_arm_aes(void) { return !ps_cpu_path_capped(PS_PATH_ARMV8_AES) && HAS_AES(); }
int ps_cpu_has_arm_pmull(void) { return ps_cpu_has_arm_aes() && HAS_PMULL(); }
#else
int ps_cpu_has_arm_aes(void) { return 0; }
int ps_cpu_has_arm_pmull(void) { return 0; }
#endif
