/*
 * AEGIS-128X2 and AEGIS-128X4 on AES-NI alone (CPUs without VAES): each state word spread over D 128-bit
 * registers. Slower than the VAES paths but still much faster than the portable code.
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("aes,sse4.1,ssse3")
#include "../aegis/aegis_vec_xmm.h"

#define AEGIS_D 2
#define AEGIS_FN(n) ps_aegis128x2_aesni_##n
#include "../aegis128l/aegis128l_impl.h"
#undef AEGIS_D
#undef AEGIS_FN

#define AEGIS_D 4
#define AEGIS_FN(n) ps_aegis128x4_aesni_##n
#include "../aegis128l/aegis128l_impl.h"
PS_TARGET_POP
#endif
