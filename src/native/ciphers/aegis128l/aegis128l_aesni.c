/* AEGIS-128L with AES-NI: the eight state words in eight 128-bit registers (see aegis128l_impl.h). */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("aes,sse4.1,ssse3")
#include "../aegis/aegis_vec_xmm.h"

#define AEGIS_D 1
#define AEGIS_FN(n) ps_aegis128l_aesni_##n
#include "aegis128l_impl.h"
PS_TARGET_POP
#endif
