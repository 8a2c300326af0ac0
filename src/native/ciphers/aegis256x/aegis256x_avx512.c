/* AEGIS-256X4 with VAES on AVX-512 registers: one 512-bit register per state word (../aegis256/aegis256_impl.h). */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("vaes,avx512f,avx512bw,avx512vl,aes")
#include "../aegis/aegis_vec_zmm.h"

#define AEGIS_D 4
#define AEGIS_FN(n) ps_aegis256x4_avx512_##n
#include "../aegis256/aegis256_impl.h"
PS_TARGET_POP
#endif
