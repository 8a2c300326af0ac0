/*
 * AEGIS-256X2 on CPUs with AVX-512: the 256-bit VAES code of aegis256x_vaes.c (one register per state word), compiled
 * with AVX-512VL so that the compiler can fold XOR/AND into VPTERNLOG and use 32 vector registers.
 * Measured per 4 KiB page against the VAES/AVX2 build: decrypt 0.264 -> 0.226 us, encrypt 0.221 -> 0.234 us (pages
 * are decrypted on every read, so decryption weighs more).
 */
#if defined(__x86_64__) || defined(__i386__) /* x86 only; other CPUs use the portable path */
#include "ps_target.h"
PS_TARGET_PUSH("vaes,avx512f,avx512bw,avx512vl,aes")
#include "../aegis/aegis_vec_ymm.h"

#define AEGIS_D 2
#define AEGIS_FN(n) ps_aegis256x2_avx512_##n
#include "../aegis256/aegis256_impl.h"
PS_TARGET_POP
#endif
