/*
 * AEGIS-256X2 and AEGIS-256X4 on AES-NI alone (CPUs without VAES): each state word spread over D 128-bit
 * registers. See ../aegis256/aegis256_impl.h.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("aes,sse4.1,ssse3")
#include "../aegis/aegis_vec_xmm.h"

#define AEGIS_D 2
#define AEGIS_FN(n) ps_aegis256x2_aesni_##n
#include "../aegis256/aegis256_impl.h"
#undef AEGIS_D
#undef AEGIS_FN

#define AEGIS_D 4
#define AEGIS_FN(n) ps_aegis256x4_aesni_##n
#include "../aegis256/aegis256_impl.h"
PS_TARGET_POP
#endif
