/*
 * Constant-time AES encryption in portable C, bitsliced: every operation is a fixed sequence of XOR/AND/
 * shift instructions, with no memory access or branch that depends on key or data.
 *
 * Bitslicing. A state is eight words q[0..7] (each one or two 64-bit lanes, see lane_t); q[b] holds bit b
 * of every byte of 4 blocks per lane, one bit position per (row r, column c, block j) of the AES state
 * (byte 4 c + r of a block, FIPS-197 section 3.4). Two position orders are used:
 *  - "rows" (full encryption): 16 r + 4 c + j. A row is one 16-bit field, so MixColumns' "row below" is a
 *    16-bit rotation of the word;
 *  - "halves" (the lone AESRound of AEGIS): 32 (c & 1) + 8 r + 4 (c >> 1) + j, the order that falls out
 *    of transposing the blocks as two 8-byte halves, which makes conversion from bytes cheapest.
 *
 * Facts used (FIPS-197): SubBytes is inversion in GF(2^8) mod x^8+x^4+x^3+x+1 followed by an affine map,
 * computed here with the 113-gate boolean circuit published by J. Boyar and R. Peralta ("A depth-16 circuit
 * for the AES S-box", IACR ePrint 2011/332); ShiftRows (5.1.2); MixColumns (5.1.3), with xtime =
 * multiplication by x; key expansion (5.2). The circuit is checked exhaustively against GF(2^8) inversion,
 * and everything against FIPS-197 Appendix C and AES-NI, by a standalone test harness.
 */
#include <string.h>
#include "ps_aead.h"
#include "ps_aes_portable.h"

/*
 * A "lane" is one bitsliced word. With GCC/Clang it is a 2 x 64-bit vector (GNU C vector extension: SSE2
 * on x86-64, NEON on arm64, plain pairs of 64-bit operations elsewhere), so a state holds 8 blocks: lane
 * k of every word carries blocks 4 k .. 4 k + 3. Other compilers (or -DPS_AES_CT_SCALAR) get a plain
 * uint64_t and 4 blocks.
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PS_AES_CT_SCALAR)
typedef uint64_t lane_t __attribute__((vector_size(16)));
#define LANES 2
#else
typedef uint64_t lane_t;
#define LANES 1
#endif
#define BATCH (4 * LANES) /* blocks per bitsliced state */

_Static_assert(sizeof(ps_aes_ct_key) <= 1024, "the expanded key must stay small enough for ps_aead.state");

static inline lane_t splat(uint64_t x) {
  lane_t v;
  for (int k = 0; k < LANES; k++) memcpy((char *)&v + 8 * k, &x, 8);
  return v;
}

/* The lane whose element k is w[k]. */
static inline lane_t make_lane(const uint64_t w[LANES]) {
#if LANES == 2
  return (lane_t){w[0], w[1]};
#else
  return w[0];
#endif
}

static inline uint64_t get_lane(const lane_t *v, int k) {
  uint64_t x;
  memcpy(&x, (const char *)v + 8 * k, 8);
  return x;
}

/* Rotation of every 64-bit element right by n bits (0 <= n < 64). */
static inline lane_t rotr(lane_t x, unsigned n) { return (x >> n) | (x << ((64 - n) & 63)); }

/* ---- conversion between bytes and the bitsliced layout ---- */

static inline uint32_t load32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline uint64_t load64le(const uint8_t *p) { return (uint64_t)load32le(p) | (uint64_t)load32le(p + 4) << 32; }

static inline void store64le(uint8_t *p, uint64_t v) {
  store32le(p, (uint32_t)v);
  store32le(p + 4, (uint32_t)(v >> 32));
}

/* Exchanges the bits of lo at positions (mask << n) with the bits of hi at positions mask. */
static inline void swap_bits(lane_t *lo, lane_t *hi, uint64_t mask, unsigned n) {
  lane_t t = ((*lo >> n) ^ *hi) & mask;
  *hi ^= t;
  *lo ^= t << n;
}

/* Transposes the 8x8 bit matrices (word index, bit within byte) at every byte position: afterwards bit b of
 * byte k of word i has become bit i of byte k of word b. Its own inverse. */
static void transpose8(lane_t w[8]) {
  for (int i = 0; i < 8; i += 2) swap_bits(&w[i], &w[i + 1], 0x5555555555555555ull, 1);
  for (int i = 0; i < 8; i += 4) {
    swap_bits(&w[i], &w[i + 2], 0x3333333333333333ull, 2);
    swap_bits(&w[i + 1], &w[i + 3], 0x3333333333333333ull, 2);
  }
  for (int i = 0; i < 4; i++) swap_bits(&w[i], &w[i + 4], 0x0F0F0F0F0F0F0F0Full, 4);
}

/*
 * The "halves" layout is the one that converts to bytes cheapest: each 8-byte half of a block is one
 * pre-transpose word as loaded (word 4 h + j holds half h of block j), so after transpose8 byte (r, c) of
 * block j (block byte 4 c + r = 8 h + k) sits at bit 8 k + 4 h + j = 32 (c & 1) + 8 r + 4 (c >> 1) + j.
 * A lone AES round (AESRound below) works in it directly; full encryption converts to the "rows" layout.
 */
/* The pre-transpose words of the blocks blk[0 .. BATCH); a NULL block reads as zero. */
static void gather_halves_words(lane_t q[8], const uint8_t *const blk[BATCH]) {
  for (int h = 0; h < 2; h++) {
    for (int j = 0; j < 4; j++) {
      uint64_t w[LANES];
      for (int k = 0; k < LANES; k++) {
        const uint8_t *b = blk[4 * k + j];
        w[k] = b ? load64le(b + 8 * h) : 0;
      }
      q[4 * h + j] = make_lane(w);
    }
  }
}

static void load_halves_words(lane_t q[8], const uint8_t *in, size_t n) {
  for (int h = 0; h < 2; h++) {
    for (int j = 0; j < 4; j++) {
      uint64_t w[LANES];
      for (int k = 0; k < LANES; k++) {
        const size_t i = 4 * (size_t)k + (size_t)j;
        w[k] = i < n ? load64le(in + 16 * i + 8 * h) : 0;
      }
      q[4 * h + j] = make_lane(w);
    }
  }
}

static void load_halves(lane_t q[8], const uint8_t *in, size_t n) {
  load_halves_words(q, in, n);
  transpose8(q);
}

/* Inverse of load_halves for blocks out[0 .. n), each xored with the matching block of mask if not NULL.
 * Clobbers q. */
static void store_halves_xor(lane_t q[8], uint8_t *out, const uint8_t *mask, size_t n) {
  transpose8(q);
  for (int h = 0; h < 2; h++) {
    for (int j = 0; j < 4; j++) {
      for (int k = 0; k < LANES; k++) {
        const size_t i = 4 * (size_t)k + (size_t)j;
        if (i < n) {
          const uint64_t m = mask ? load64le(mask + 16 * i + 8 * h) : 0;
          store64le(out + 16 * i + 8 * h, get_lane(&q[4 * h + j], k) ^ m);
        }
      }
    }
  }
}

/* Swaps, in every word, the bits at positions (mask << n) with those at positions mask. */
static inline lane_t swap_within(lane_t x, uint64_t mask, unsigned n) {
  lane_t t = ((x >> n) ^ x) & mask;
  return x ^ t ^ (t << n);
}

/*
 * Halves layout -> rows layout: the position bits (5 4 3 2) = (c & 1, r1, r0, c >> 1) must become
 * (r1, r0, c >> 1, c & 1), three exchanges of adjacent position bits: (5, 4), then (4, 3), then (3, 2).
 */
static void halves_to_rows(lane_t q[8]) {
  for (int b = 0; b < 8; b++) {
    lane_t x = swap_within(q[b], 0x00000000FFFF0000ull, 16);
    x = swap_within(x, 0x0000FF000000FF00ull, 8);
    q[b] = swap_within(x, 0x00F000F000F000F0ull, 4);
  }
}

static void rows_to_halves(lane_t q[8]) {
  for (int b = 0; b < 8; b++) {
    lane_t x = swap_within(q[b], 0x00F000F000F000F0ull, 4);
    x = swap_within(x, 0x0000FF000000FF00ull, 8);
    q[b] = swap_within(x, 0x00000000FFFF0000ull, 16);
  }
}

/* Loads blocks in[0 .. n) (n <= BATCH; missing blocks read as zero) into q in the rows layout. */
static void load_rows(lane_t q[8], const uint8_t *in, size_t n) {
  load_halves(q, in, n);
  halves_to_rows(q);
}

/* Inverse of load_rows for blocks out[0 .. n), xored with mask if not NULL. Clobbers q. */
static void store_rows(lane_t q[8], uint8_t *out, const uint8_t *mask, size_t n) {
  rows_to_halves(q);
  store_halves_xor(q, out, mask, n);
}

/* ---- the round operations on a bitsliced state ---- */

/*
 * SubBytes on all 64 bytes: the Boyar-Peralta circuit. Inputs U0..U7 are the bits of a byte from the most
 * significant down (U0 = q[7]); outputs S0..S7 likewise. "^" is XOR, "&" is AND, "~(a ^ b)" is XNOR.
 */
static inline __attribute__((always_inline)) void sub_bytes(lane_t q[8]) {
  const lane_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4], u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];

  /* Top linear layer. */
  const lane_t t1 = u0 ^ u3, t2 = u0 ^ u5, t3 = u0 ^ u6, t4 = u3 ^ u5, t5 = u4 ^ u6;
  const lane_t t6 = t1 ^ t5, t7 = u1 ^ u2, t8 = u7 ^ t6, t9 = u7 ^ t7, t10 = t6 ^ t7;
  const lane_t t11 = u1 ^ u5, t12 = u2 ^ u5, t13 = t3 ^ t4, t14 = t6 ^ t11, t15 = t5 ^ t11;
  const lane_t t16 = t5 ^ t12, t17 = t9 ^ t16, t18 = u3 ^ u7, t19 = t7 ^ t18, t20 = t1 ^ t19;
  const lane_t t21 = u6 ^ u7, t22 = t7 ^ t21, t23 = t2 ^ t22, t24 = t2 ^ t10, t25 = t20 ^ t17;
  const lane_t t26 = t3 ^ t16, t27 = t1 ^ t12;

  /* Shared non-linear middle: inversion in GF(2^4)-based tower form. */
  const lane_t m1 = t13 & t6, m2 = t23 & t8, m3 = t14 ^ m1, m4 = t19 & u7, m5 = m4 ^ m1;
  const lane_t m6 = t3 & t16, m7 = t22 & t9, m8 = t26 ^ m6, m9 = t20 & t17, m10 = m9 ^ m6;
  const lane_t m11 = t1 & t15, m12 = t4 & t27, m13 = m12 ^ m11, m14 = t2 & t10, m15 = m14 ^ m11;
  const lane_t m16 = m3 ^ m2, m17 = m5 ^ t24, m18 = m8 ^ m7, m19 = m10 ^ m15, m20 = m16 ^ m13;
  const lane_t m21 = m17 ^ m15, m22 = m18 ^ m13, m23 = m19 ^ t25, m24 = m22 ^ m23, m25 = m22 & m20;
  const lane_t m26 = m21 ^ m25, m27 = m20 ^ m21, m28 = m23 ^ m25, m29 = m28 & m27, m30 = m26 & m24;
  const lane_t m31 = m20 & m23, m32 = m27 & m31, m33 = m27 ^ m25, m34 = m21 & m22, m35 = m24 & m34;
  const lane_t m36 = m24 ^ m25, m37 = m21 ^ m29, m38 = m32 ^ m33, m39 = m23 ^ m30, m40 = m35 ^ m36;
  const lane_t m41 = m38 ^ m40, m42 = m37 ^ m39, m43 = m37 ^ m38, m44 = m39 ^ m40, m45 = m42 ^ m41;
  const lane_t m46 = m44 & t6, m47 = m40 & t8, m48 = m39 & u7, m49 = m43 & t16, m50 = m38 & t9;
  const lane_t m51 = m37 & t17, m52 = m42 & t15, m53 = m45 & t27, m54 = m41 & t10, m55 = m44 & t13;
  const lane_t m56 = m40 & t23, m57 = m39 & t19, m58 = m43 & t3, m59 = m38 & t22, m60 = m37 & t20;
  const lane_t m61 = m42 & t1, m62 = m45 & t4, m63 = m41 & t2;

  /* Bottom linear layer (includes the affine map). */
  const lane_t l0 = m61 ^ m62, l1 = m50 ^ m56, l2 = m46 ^ m48, l3 = m47 ^ m55, l4 = m54 ^ m58;
  const lane_t l5 = m49 ^ m61, l6 = m62 ^ l5, l7 = m46 ^ l3, l8 = m51 ^ m59, l9 = m52 ^ m53;
  const lane_t l10 = m53 ^ l4, l11 = m60 ^ l2, l12 = m48 ^ m51, l13 = m50 ^ l0, l14 = m52 ^ m61;
  const lane_t l15 = m55 ^ l1, l16 = m56 ^ l0, l17 = m57 ^ l1, l18 = m58 ^ l8, l19 = m63 ^ l4;
  const lane_t l20 = l0 ^ l1, l21 = l1 ^ l7, l22 = l3 ^ l12, l23 = l18 ^ l2, l24 = l15 ^ l9;
  const lane_t l25 = l6 ^ l10, l26 = l7 ^ l9, l27 = l8 ^ l10, l28 = l11 ^ l14, l29 = l11 ^ l17;

  q[7] = l6 ^ l24;
  q[6] = ~(l16 ^ l26);
  q[5] = ~(l19 ^ l28);
  q[4] = l6 ^ l21;
  q[3] = l20 ^ l22;
  q[2] = l25 ^ l29;
  q[1] = ~(l13 ^ l27);
  q[0] = ~(l6 ^ l23);
}

/* ShiftRows applied twice: rows 1 and 3 rotate by two columns, rows 0 and 2 stay. */
static void shift_rows_twice(lane_t q[8]) {
  for (int b = 0; b < 8; b++) {
    lane_t x = q[b];
    q[b] = (x & 0x0000FFFF0000FFFFull) | ((x >> 8) & 0x00FF000000FF0000ull) | ((x << 8) & 0xFF000000FF000000ull);
  }
}

/* Rotation of each 16-bit field (a row, in the rows layout) of every 64-bit element right by n bits
 * (0 < n < 16), i.e. every row's bytes move n / 4 columns left. */
static inline lane_t rotr_rows(lane_t x, unsigned n) {
#if LANES == 2
  typedef uint16_t lane16_t __attribute__((vector_size(16)));
  const lane16_t v = (lane16_t)x; /* the 16-bit fields, in either byte order */
  return (lane_t)((v >> n) | (v << (16 - n)));
#else
  const uint64_t low = 0x0001000100010001ull * ((1u << (16 - n)) - 1); /* bits that move down */
  return ((x >> n) & low) | ((x << (16 - n)) & ~low);
#endif
}

/* Bit (r, c) of the result is bit (r + dr, c + dc) of x, row and column indices mod 4 (dr = 1 or 2). */
static inline lane_t rows_cols_up(lane_t x, unsigned dr, unsigned dc) {
  const lane_t y = rotr(x, 16 * dr);
  return dc == 0 ? y : rotr_rows(y, 4 * dc);
}

/*
 * MixColumns: out(r) = 2 a(r) ^ 3 a(r+1) ^ a(r+2) ^ a(r+3) = xtime(t(r)) ^ a(r+1) ^ t(r+2), where
 * t(r) = a(r) ^ a(r+1). xtime shifts the bit planes up by one and folds bit 7 into bits 0, 1, 3, 4 (0x11b).
 *
 * skew: the state may lag `skew` ShiftRows behind (see encrypt_state): the true byte (r, c) then sits at
 * (r, c + skew r), so a column's next row is one row down and `skew` columns right.
 */
static inline __attribute__((always_inline)) void mix_columns(lane_t q[8], unsigned skew) {
  lane_t t[8], a1[8];
  for (int b = 0; b < 8; b++) {
    a1[b] = rows_cols_up(q[b], 1, skew);
    t[b] = q[b] ^ a1[b];
  }
  const lane_t hi = t[7];
  const lane_t xt[8] = {hi, t[0] ^ hi, t[1], t[2] ^ hi, t[3] ^ hi, t[4], t[5], t[6]};
  for (int b = 0; b < 8; b++) q[b] = xt[b] ^ a1[b] ^ rows_cols_up(t[b], 2, (2 * skew) & 3);
}

static inline void add_round_key(lane_t q[8], const uint64_t *sk) {
  for (int b = 0; b < 8; b++) q[b] ^= splat(sk[b]);
}

/* ---- key expansion ---- */

/* SubWord: the S-box on each byte of a 4-byte word, through the bitsliced circuit (no table). */
static void sub_word(uint8_t w[4]) {
  lane_t q[8];
  for (int b = 0; b < 8; b++) {
    uint64_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint64_t)((w[i] >> b) & 1) << i;
    q[b] = splat(v);
  }
  sub_bytes(q);
  for (int i = 0; i < 4; i++) {
    uint8_t v = 0;
    for (int b = 0; b < 8; b++) v |= (uint8_t)(((get_lane(&q[b], 0) >> i) & 1) << b);
    w[i] = v;
  }
  ps_wipe(q, sizeof q);
}

/* FIPS-197 5.2: the byte-form round keys w[0 .. 4 (rounds + 1)) as 4-byte words. Rcon(i) = x^(i-1). */
static void expand_words(uint8_t *w, const uint8_t *key, int nk, int rounds) {
  uint8_t rcon = 1;
  memcpy(w, key, 4 * (size_t)nk);
  for (int i = nk; i < 4 * (rounds + 1); i++) {
    uint8_t tmp[4];
    memcpy(tmp, w + 4 * (i - 1), 4);
    if (i % nk == 0) {
      uint8_t first = tmp[0];
      tmp[0] = tmp[1], tmp[1] = tmp[2], tmp[2] = tmp[3], tmp[3] = first; /* RotWord */
      sub_word(tmp);
      tmp[0] ^= rcon;
      rcon = (uint8_t)((rcon << 1) ^ ((rcon >> 7) * 0x1b));
    } else if (nk > 6 && i % nk == 4) {
      sub_word(tmp);
    }
    for (int j = 0; j < 4; j++) w[4 * i + j] = w[4 * (i - nk) + j] ^ tmp[j];
    ps_wipe(tmp, sizeof tmp);
  }
}

/* The bitsliced form (lane 0) of round key rk for a state lagging `skew` ShiftRows: byte (r, c) of rk goes
 * where the state keeps its true byte (r, c), i.e. to (r, c + skew r). */
static void slice_round_key(uint64_t sk[8], const uint8_t rk[16], unsigned skew) {
  uint8_t blocks[16 * BATCH];
  for (int c = 0; c < 4; c++) {
    for (int r = 0; r < 4; r++) blocks[4 * ((c + skew * r) & 3) + r] = rk[4 * c + r];
  }
  for (int j = 1; j < BATCH; j++) memcpy(blocks + 16 * j, blocks, 16);
  lane_t q[8];
  load_rows(q, blocks, BATCH);
  for (int b = 0; b < 8; b++) sk[b] = get_lane(&q[b], 0);
  ps_wipe(blocks, sizeof blocks);
  ps_wipe(q, sizeof q);
}

int ps_aes_ct_expand(ps_aes_ct_key *k, const uint8_t *key, size_t key_len) {
  memset(k, 0, sizeof *k);
  if (key_len != 16 && key_len != 32) return -1;
  const int nk = (int)(key_len / 4);
  k->rounds = nk + 6;
  uint8_t w[(PS_AES_CT_MAX_ROUNDS + 1) * 16];
  expand_words(w, key, nk, k->rounds);
  for (int r = 0; r <= k->rounds; r++) slice_round_key(k->sk + 8 * r, w + 16 * r, (unsigned)r & 3);
  ps_wipe(w, sizeof w);
  return 0;
}

/* ---- encryption ---- */

/* One full round for a state that lags `skew` ShiftRows before it (it lags skew + 1 after). */
static inline __attribute__((always_inline)) void full_round(lane_t q[8], const uint64_t *sk, unsigned skew) {
  sub_bytes(q);
  mix_columns(q, skew);
  add_round_key(q, sk);
}

/*
 * ShiftRows only permutes bytes, and SubBytes works bytewise, so instead of moving bytes every round the
 * state is left unshifted and the round remembers how many ShiftRows it lags ("skew", mod 4): MixColumns
 * and the round keys follow the bytes where they are. AES-128 and AES-256 (10 and 14 rounds) end with a
 * skew of 2, put right by one final double ShiftRows.
 */
static void encrypt_state(const ps_aes_ct_key *k, lane_t q[8]) {
  const uint64_t *sk = k->sk;
  add_round_key(q, sk);
  int r = 1;
  for (; r + 3 < k->rounds; r += 4) {
    full_round(q, sk + 8 * r, 1);
    full_round(q, sk + 8 * (r + 1), 2);
    full_round(q, sk + 8 * (r + 2), 3);
    full_round(q, sk + 8 * (r + 3), 0);
  }
  full_round(q, sk + 8 * r, 1); /* r = rounds - 1 = 9 or 13 (rounds is 10 or 14): skew 1 */
  sub_bytes(q);
  add_round_key(q, sk + 8 * k->rounds);
  shift_rows_twice(q);
}

/* Encrypts blocks in[0 .. n) into out (n <= BATCH). */
static void encrypt_batch(const ps_aes_ct_key *k, uint8_t *out, const uint8_t *in, size_t n) {
  lane_t q[8];
  load_rows(q, in, n);
  encrypt_state(k, q);
  store_rows(q, out, NULL, n);
}

void ps_aes_ct_encrypt_blocks(const ps_aes_ct_key *k, uint8_t *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i += BATCH) {
    encrypt_batch(k, out + 16 * i, in + 16 * i, n - i < BATCH ? n - i : BATCH);
  }
}

static void counter_block(uint8_t *b, const uint8_t iv12[12], uint32_t ctr) {
  memcpy(b, iv12, 12);
  b[12] = (uint8_t)(ctr >> 24);
  b[13] = (uint8_t)(ctr >> 16);
  b[14] = (uint8_t)(ctr >> 8);
  b[15] = (uint8_t)ctr;
}

void ps_aes_ct_ctr_keystream(const ps_aes_ct_key *k, uint8_t *ks, const uint8_t iv12[12], uint32_t ctr, size_t n) {
  for (size_t i = 0; i < n; i++) counter_block(ks + 16 * i, iv12, ctr + (uint32_t)i);
  ps_aes_ct_encrypt_blocks(k, ks, ks, n);
}

/* ---- AEGIS's AESRound ---- */

/*
 * ShiftRows on blocks still in bytes, as loaded by load_halves (before its transpose): word lo holds bytes
 * 0..7 of each block, hi bytes 8..15. Byte 4 c + r takes byte 4 ((c + r) mod 4) + r, which makes
 * lo = (lo0, lo5, hi2, hi7, lo4, hi1, hi6, lo3) and hi = (hi0, hi5, lo2, lo7, hi4, lo1, lo6, hi3):
 * each byte stays or comes from the other 32-bit half of lo or hi. Done here it costs a third of what it
 * costs on bit planes. (SubBytes works bytewise, so ShiftRows may come before it.)
 */
static inline void shift_rows_bytes(lane_t *lo, lane_t *hi) {
  const lane_t l = *lo, h = *hi, lr = rotr(l, 32), hr = rotr(h, 32);
  const uint64_t keep = 0x000000FF000000FFull, swap_keep = 0xFF0000000000FF00ull;
  const uint64_t other = 0x00FF000000FF0000ull, swap_other = 0x0000FF00FF000000ull;
  *lo = (l & keep) | (lr & swap_keep) | (h & other) | (hr & swap_other);
  *hi = (h & keep) | (hr & swap_keep) | (l & other) | (lr & swap_other);
}

/* Rotation of each 32-bit half of every 64-bit element right by n bits (0 < n < 32). */
static inline lane_t rotr_halves(lane_t x, unsigned n) {
#if LANES == 2
  typedef uint32_t lane32_t __attribute__((vector_size(16)));
  const lane32_t v = (lane32_t)x; /* the 32-bit halves, in either byte order */
  return (lane_t)((v >> n) | (v << (32 - n)));
#else
  const uint64_t low = 0x0000000100000001ull * ((1ull << (32 - n)) - 1); /* bits that move down */
  return ((x >> n) & low) | ((x << (32 - n)) & ~low);
#endif
}

/* In the halves layout, row r + 1 (mod 4) of the same column: each 32-bit half rotates right by 8 bits;
 * row r + 2 (mod 4): by 16 bits. */
static inline lane_t halves_row_below(lane_t x) { return rotr_halves(x, 8); }

static inline lane_t halves_two_rows_below(lane_t x) { return rotr_halves(x, 16); }

/* SubBytes and MixColumns (same formula as mix_columns) in the halves layout. */
static void halves_round(lane_t q[8]) {
  lane_t t[8], a1[8];
  sub_bytes(q);
  for (int b = 0; b < 8; b++) {
    a1[b] = halves_row_below(q[b]);
    t[b] = q[b] ^ a1[b];
  }
  const lane_t hi = t[7];
  const lane_t xt[8] = {hi, t[0] ^ hi, t[1], t[2] ^ hi, t[3] ^ hi, t[4], t[5], t[6]};
  for (int b = 0; b < 8; b++) q[b] = xt[b] ^ a1[b] ^ halves_two_rows_below(t[b]);
}

/* AESRound on the pairs (in[i], rk[i]) for i < n <= BATCH. rk may equal out: each block of rk is read
 * before the same block of out is written. */
static void round_batch(uint8_t *out, const uint8_t *in, const uint8_t *rk, size_t n) {
  lane_t q[8];
  load_halves_words(q, in, n);
  for (int j = 0; j < 4; j++) shift_rows_bytes(&q[j], &q[4 + j]);
  transpose8(q);
  halves_round(q);
  store_halves_xor(q, out, rk, n);
}

void ps_aes_ct_round(uint8_t *out, const uint8_t *in, const uint8_t *rk, size_t n) {
  for (size_t i = 0; i < n; i += BATCH) {
    round_batch(out + 16 * i, in + 16 * i, rk + 16 * i, n - i < BATCH ? n - i : BATCH);
  }
}

/* ---- AEGIS with the state kept bitsliced (ps_aes_ct_x8, see ps_aes_portable.h) ---- */

_Static_assert(8 % BATCH == 0, "an x8 state holds whole batches");

/* Batch h of x (blocks BATCH h .. BATCH h + BATCH - 1) as lanes, and back. */
static void x8_get(lane_t q[8], const ps_aes_ct_x8 *x, int h) {
  for (int b = 0; b < 8; b++) memcpy(&q[b], &x->w[b][LANES * h], sizeof q[b]);
}

static void x8_put(ps_aes_ct_x8 *x, int h, const lane_t q[8]) {
  for (int b = 0; b < 8; b++) memcpy(&x->w[b][LANES * h], &q[b], sizeof q[b]);
}

void ps_aes_ct_x8_load(ps_aes_ct_x8 *x, const uint8_t *const blk[8]) {
  for (int h = 0; h < 8 / BATCH; h++) {
    lane_t q[8];
    gather_halves_words(q, blk + BATCH * h);
    transpose8(q);
    x8_put(x, h, q);
  }
}

void ps_aes_ct_x8_store(const ps_aes_ct_x8 *x, uint8_t *const out[8], const uint8_t *const mask[8]) {
  for (int h = 0; h < 8 / BATCH; h++) {
    lane_t q[8];
    x8_get(q, x, h);
    transpose8(q);
    for (int hf = 0; hf < 2; hf++) {
      for (int j = 0; j < 4; j++) {
        for (int k = 0; k < LANES; k++) {
          const int i = BATCH * h + 4 * k + j;
          if (out[i] == NULL) continue; /* which blocks exist is public */
          const uint64_t m = mask[i] ? load64le(mask[i] + 8 * hf) : 0;
          store64le(out[i] + 8 * hf, get_lane(&q[4 * hf + j], k) ^ m);
        }
      }
    }
  }
}

/*
 * ShiftRows on bit planes in the halves layout: byte (r, c) takes byte (r, c + r). A 64-bit element's byte
 * 4 (c & 1) + r holds row r of columns c & 1 and (c & 1) + 2 (low and high nibble). Row 0 stays; row 2 swaps
 * nibbles; row 1 takes column c + 1: byte 1 <- byte 5, byte 5 <- byte 1 nibble-swapped; row 3 takes column
 * c - 1: byte 7 <- byte 3, byte 3 <- byte 7 nibble-swapped.
 */
static inline lane_t swap_halves(lane_t x) {
#if LANES == 2 && defined(__clang__)
  typedef uint32_t lane32_t __attribute__((vector_size(16)));
  return (lane_t)__builtin_shufflevector((lane32_t)x, (lane32_t)x, 1, 0, 3, 2);
#elif LANES == 2
  typedef uint32_t lane32_t __attribute__((vector_size(16)));
  return (lane_t)__builtin_shuffle((lane32_t)x, (lane32_t){1, 0, 3, 2}); /* one shuffle instead of 3 shifts */
#else
  return rotr(x, 32);
#endif
}

static inline lane_t shift_rows_plane(lane_t x) {
  const lane_t a = swap_halves(x); /* byte k <- byte k ^ 4 */
  const lane_t keep = (x & 0x000000FF000000FFull) | (a & 0xFF0000000000FF00ull);
  const lane_t swap = (x & 0x00FF000000FF0000ull) | (a & 0x0000FF00FF000000ull);
  return keep | ((swap >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((swap << 4) & 0xF0F0F0F0F0F0F0F0ull);
}

void ps_aes_ct_x8_round(ps_aes_ct_x8 *x) {
  for (int h = 0; h < 8 / BATCH; h++) {
    lane_t q[8];
    x8_get(q, x, h);
    for (int b = 0; b < 8; b++) q[b] = shift_rows_plane(q[b]);
    halves_round(q);
    x8_put(x, h, q);
  }
}
