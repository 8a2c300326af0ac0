/*
 * AEGIS-256X2 and AEGIS-256X4 with the ARMv8 AES instructions: each state word spread over D 128-bit NEON
 * registers (AArch64 has 32; the 24 of the 4-lane AEGIS-256X4 state fit). See aegis256/aegis256_impl.h.
 */
#if defined(__aarch64__) /* ARM64 only; compiles to nothing elsewhere */
#include "ps_target.h"
PS_TARGET_PUSH(PS_TARGET_ARM_CRYPTO)
#include "../aegis/aegis_vec_neon.h"

#define AEGIS_D 2
#define AEGIS_FN(n) ps_aegis256x2_neon_##n
#include "../aegis256/aegis256_impl.h"
#undef AEGIS_D
#undef AEGIS_FN

#define AEGIS_D 4
#define AEGIS_FN(n) ps_aegis256x4_neon_##n
#include "../aegis256/aegis256_impl.h"
PS_TARGET_POP
#endif
