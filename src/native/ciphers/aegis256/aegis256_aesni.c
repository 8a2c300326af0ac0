/* AEGIS-256 with AES-NI: the six state words in six 128-bit registers (see aegis256_impl.h). */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("aes,sse4.1,ssse3")
#include "../aegis/aegis_vec_xmm.h"

#define AEGIS_D 1
#define AEGIS_FN(n) ps_aegis256_aesni_##n
#include "aegis256_impl.h"
PS_TARGET_POP
#endif
