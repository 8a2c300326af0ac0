/*
 * AEGIS-128X2 (one 256-bit register per state word) and AEGIS-128X4 (two per state word) with VAES on AVX2
 * registers. See ../aegis128l/aegis128l_impl.h.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("vaes,avx2,aes")
#include "../aegis/aegis_vec_ymm.h"

#define AEGIS_D 2
#define AEGIS_FN(n) ps_aegis128x2_vaes_##n
#include "../aegis128l/aegis128l_impl.h"
#undef AEGIS_D
#undef AEGIS_FN

#define AEGIS_D 4
#define AEGIS_FN(n) ps_aegis128x4_vaes_##n
#include "../aegis128l/aegis128l_impl.h"
PS_TARGET_POP
#endif
