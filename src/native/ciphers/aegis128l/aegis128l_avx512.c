/*
 * AEGIS-128L on CPUs with AVX-512: the same one-lane code as aegis128l_aesni.c (128-bit registers, see
 * aegis128l_impl.h), compiled with AVX-512VL so that the compiler can fold the keystream's XOR/AND into VPTERNLOG
 * and use 32 vector registers. Measured about 12% faster than the AES-NI build for a 4 KiB page (AEGIS-256 gained
 * nothing on decryption that way, so it has no such file).
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("vaes,avx512f,avx512bw,avx512vl,aes")
#include "../aegis/aegis_vec_xmm.h"

#define AEGIS_D 1
#define AEGIS_FN(n) ps_aegis128l_avx512_##n
#include "aegis128l_impl.h"
PS_TARGET_POP
#endif
