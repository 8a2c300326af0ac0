/* ps_cpu.h: runtime CPU feature checks, and the switches that force the portable path or cap the fast path. */
#ifndef PS_CPU_H
#define PS_CPU_H

#ifdef __cplusplus
extern "C" {
#endif

/* x86 (ciphers/cpu_x86.c): true when the CPU and the OS support the instructions of each fast path; 0 elsewhere. */
int ps_cpu_has_aesni(void);     /* AES-NI + PCLMULQDQ + SSSE3/SSE4.1 */
int ps_cpu_has_vaes_avx2(void); /* VAES + VPCLMULQDQ + AVX2 */
int ps_cpu_has_avx512(void);    /* VAES + VPCLMULQDQ + AVX-512F/BW/VL */

/* ARM64 (ciphers/cpu_arm64.c): ARMv8 Crypto Extensions; 0 elsewhere. */
int ps_cpu_has_arm_aes(void);   /* AESE/AESMC + NEON (the AEGIS path) */
int ps_cpu_has_arm_pmull(void); /* the above + PMULL/PMULL2 64x64 (the AES-GCM path) */

/* True when PAGESEAL_FORCE_PORTABLE=1 is set in the environment (read once). */
int ps_force_portable_env(void);

/* True when PAGESEAL_MAX_PATH caps the fast paths below `path` (a PS_PATH_* of ps_aead.h): =portable caps every
 * fast path, =aesni caps VAES/AVX2 and AVX-512, =vaes-avx2 caps AVX-512. Read at each check (key setup only). */
int ps_cpu_path_capped(int path);

#ifdef __cplusplus
}
#endif
#endif
