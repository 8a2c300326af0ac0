/* AEGIS-128L with the ARMv8 AES instructions: the eight state words in eight NEON registers (aegis128l_impl.h). */
#if defined(__aarch64__) /* ARM64 only; compiles to nothing elsewhere */
#include "ps_target.h"
PS_TARGET_PUSH(PS_TARGET_ARM_CRYPTO)
#include "../aegis/aegis_vec_neon.h"

#define AEGIS_D 1
#define AEGIS_FN(n) ps_aegis128l_neon_##n
#include "aegis128l_impl.h"
PS_TARGET_POP
#endif
