/*
 * Helpers for the portable AEGIS code (aegis128l/aegis128l_portable.c, aegis256/aegis256_portable.c), which keeps
 * each lane's state in bitsliced form (ps_aes_ct_x8 of ps_aes_portable.h) from Init to Finalize, so that blocks
 * are converted only at the edges: message blocks in, keystream or plaintext out, a few at a time.
 *
 * In an x8, block 4 e + j ("slot (e, j)") is bit j of every 4-bit group of the words w[b][e]. The AEGIS state
 * words sit in fixed slots, and the AEGIS steps become, on each of the 8 bit planes (a pair of 64-bit words):
 *  - XOR / AND of whole states: plain XOR / AND;
 *  - moving a slot to another j: shifting each word by the difference (then masking the wanted j);
 *  - moving a slot to the other e: exchanging the two words of the plane.
 * All of it is fixed sequences of word operations: no branch or index depends on secret data.
 */
#ifndef PS_AEGIS_BITSLICED_H
#define PS_AEGIS_BITSLICED_H

#include <stdint.h>
#include <string.h>
#include "aegis_internal.h"
#include "ps_aes_portable.h"

#define BS_INL static inline __attribute__((always_inline))

/* Masks of the slots with a given j (in every 4-bit group). */
#define BS_J0 0x1111111111111111ull
#define BS_J1 0x2222222222222222ull
#define BS_J2 0x4444444444444444ull
#define BS_J3 0x8888888888888888ull

/* One bit plane: w[b][0] and w[b][1]; a 2 x 64-bit GNU C vector where available (SSE2, NEON), else a struct. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PS_AES_CT_SCALAR)
typedef uint64_t bs_plane __attribute__((vector_size(16)));

BS_INL bs_plane bs_get(const ps_aes_ct_x8 *x, int b) {
  bs_plane p;
  memcpy(&p, x->w[b], sizeof p);
  return p;
}
BS_INL void bs_put(ps_aes_ct_x8 *x, int b, bs_plane p) { memcpy(x->w[b], &p, sizeof p); }
BS_INL bs_plane bs_xor(bs_plane a, bs_plane b) { return a ^ b; }
BS_INL bs_plane bs_and(bs_plane a, bs_plane b) { return a & b; }
BS_INL bs_plane bs_or(bs_plane a, bs_plane b) { return a | b; }
BS_INL bs_plane bs_mask(bs_plane a, uint64_t m0, uint64_t m1) { return a & (bs_plane){m0, m1}; }
BS_INL bs_plane bs_down(bs_plane a, unsigned n) { return a >> n; }
BS_INL bs_plane bs_up(bs_plane a, unsigned n) { return a << n; }
BS_INL bs_plane bs_swap(bs_plane a) {
#if defined(__clang__)
  return __builtin_shufflevector(a, a, 1, 0);
#else
  return __builtin_shuffle(a, (bs_plane){1, 0});
#endif
}
#else
typedef struct {
  uint64_t e0, e1;
} bs_plane;

BS_INL bs_plane bs_get(const ps_aes_ct_x8 *x, int b) { return (bs_plane){x->w[b][0], x->w[b][1]}; }
BS_INL void bs_put(ps_aes_ct_x8 *x, int b, bs_plane p) {
  x->w[b][0] = p.e0;
  x->w[b][1] = p.e1;
}
BS_INL bs_plane bs_xor(bs_plane a, bs_plane b) { return (bs_plane){a.e0 ^ b.e0, a.e1 ^ b.e1}; }
BS_INL bs_plane bs_and(bs_plane a, bs_plane b) { return (bs_plane){a.e0 & b.e0, a.e1 & b.e1}; }
BS_INL bs_plane bs_or(bs_plane a, bs_plane b) { return (bs_plane){a.e0 | b.e0, a.e1 | b.e1}; }
BS_INL bs_plane bs_mask(bs_plane a, uint64_t m0, uint64_t m1) { return (bs_plane){a.e0 & m0, a.e1 & m1}; }
BS_INL bs_plane bs_down(bs_plane a, unsigned n) { return (bs_plane){a.e0 >> n, a.e1 >> n}; }
BS_INL bs_plane bs_up(bs_plane a, unsigned n) { return (bs_plane){a.e0 << n, a.e1 << n}; }
BS_INL bs_plane bs_swap(bs_plane a) { return (bs_plane){a.e1, a.e0}; }
#endif
/* bs_mask: e0 masked with m0 and e1 with m1. bs_down(a, n): slot (e, j) takes slot (e, j + n); bs_up: (e, j - n)
 * (bits from neighbouring groups come along: the caller masks them off). bs_swap: slot (e, j) takes (1 - e, j). */


/* x ^= y on all slots. */
BS_INL void bs_xor_into(ps_aes_ct_x8 *x, const ps_aes_ct_x8 *y) {
  for (int b = 0; b < 8; b++) bs_put(x, b, bs_xor(bs_get(x, b), bs_get(y, b)));
}

#endif
