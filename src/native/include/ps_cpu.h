/* ps_cpu.h: runtime CPU feature checks, and the switch that forces the portable path. */
#ifndef PS_CPU_H
#define PS_CPU_H

#ifdef __cplusplus
extern "C" {
#endif

/* True when the CPU (and OS) support the instructions of each fast path. */
int ps_cpu_has_aesni(void);     /* AES-NI + PCLMULQDQ + SSSE3/SSE4.1 */
int ps_cpu_has_vaes_avx2(void); /* VAES + VPCLMULQDQ + AVX2 */
int ps_cpu_has_avx512(void);    /* VAES + VPCLMULQDQ + AVX-512F/BW */

/* True when PAGESEAL_FORCE_PORTABLE=1 is set in the environment (read once). */
int ps_force_portable_env(void);

#ifdef __cplusplus
}
#endif
#endif
