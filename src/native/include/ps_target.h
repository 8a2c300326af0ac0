/*
 * ps_target.h: compiles the rest of a file for an instruction set the build does not assume, under GCC and clang.
 *
 *   PS_TARGET_PUSH("aes,sse4.1")   ... code using those instructions ...   PS_TARGET_POP
 *
 * GCC takes `#pragma GCC target`, which clang ignores; clang takes `#pragma clang attribute push` of a target
 * attribute on every function that follows. Both leave the rest of the build (and the functions the CPU check
 * runs before calling these) on the baseline instruction set. Put system and intrinsic headers after the push,
 * so their inline functions take the target too.
 */
#ifndef PS_TARGET_H
#define PS_TARGET_H

#define PS_PRAGMA_STR(x) #x
#define PS_PRAGMA(x) _Pragma(PS_PRAGMA_STR(x))

#if defined(__clang__)
#define PS_TARGET_PUSH(t) PS_PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
#define PS_TARGET_POP PS_PRAGMA(clang attribute pop)
#elif defined(__GNUC__)
#define PS_TARGET_PUSH(t) PS_PRAGMA(GCC push_options) PS_PRAGMA(GCC target(t))
#define PS_TARGET_POP PS_PRAGMA(GCC pop_options)
#else
#error "pageseal's native core needs GCC or clang (target attributes for its AES instruction paths)"
#endif

/* ARMv8 Crypto Extensions (AES, PMULL) and NEON, as each compiler spells them for AArch64. */
#if defined(__clang__)
#define PS_TARGET_ARM_CRYPTO "crypto,aes,neon"
#else
#define PS_TARGET_ARM_CRYPTO "+crypto"
#endif

#endif
