/*
 * AEGIS-128L and AEGIS-128X in plain C, generic over the degree d (1, 2 or 4 lanes), for CPUs without AES
 * instructions. Algorithm: draft-irtf-cfrg-aegis-aead-18 (RFC 10032), as in aegis128l_impl.h; the X2/X4 entry
 * points live in ../aegis128x/aegis128x_portable.c. Each lane of AEGIS-128X is an AEGIS-128L state of its own
 * (lanes meet only in Init's context block and in the tag), so lane l is one bitsliced ps_aes_ct_x8 with state
 * word Si in block i, kept bitsliced from Init to the tag (see ../aegis/aegis_bitsliced.h).
 *
 * Constant-time: the AES rounds are bitsliced (no table lookups) and every other step is a fixed sequence of
 * word operations; branches depend only on lengths.
 */
#include "../aegis/aegis_bitsliced.h"
#include "../aegis/aegis_internal.h"

#define MAXD 4
#define CHUNK 4 /* Updates served by one conversion of message blocks */

typedef struct {
  int d;
  size_t half;          /* 16 d: bytes of M0 (and of M1) in one Update */
  ps_aes_ct_x8 s[MAXD]; /* lane l: word i in block i, i.e. slot (i >> 2, i & 3) */
  ps_aes_ct_x8 in, out, k; /* scratch of crypt_chunk, wiped with the state */
} st128;

/*
 * Update: S'i = AESRound(S(i-1), Si) ^ M (M0 into word 0, M1 into word 4; m holds them in slots 0 and 4, zero
 * elsewhere), as AESRound(x, S ^ M) = AESRound(x, S) ^ M. R = the keyless round of every slot is moved one slot
 * up (slot (e, j) takes (e, j - 1); (e, 0) takes (1 - e, 3)) and xored with S and m.
 */
BS_INL bs_plane rot_plane(bs_plane x) { return bs_or(bs_mask(bs_up(x, 1), ~BS_J0, ~BS_J0), bs_mask(bs_down(bs_swap(x), 3), BS_J0, BS_J0)); }

/* The Update of s, given k = s ^ m: s = rot(R(s)) ^ k. */
static void update_k(ps_aes_ct_x8 *s, const ps_aes_ct_x8 *k) {
  ps_aes_ct_x8_round(s);
  for (int b = 0; b < 8; b++) bs_put(s, b, bs_xor(rot_plane(bs_get(s, b)), bs_get(k, b)));
}

static void update(ps_aes_ct_x8 *s, const ps_aes_ct_x8 *m) {
  ps_aes_ct_x8 k = *s;
  bs_xor_into(&k, m);
  update_k(s, &k);
}

/*
 * One plane of the keystream of the next Update: z0 = S1 ^ S6 ^ (S2 & S3) in slot 0, z1 = S5 ^ S2 ^ (S6 & S7) in
 * slot 4, zero elsewhere. Both are the same expression at slot (e, 1): its own word, the other group's j = 2, and
 * the AND of its j = 2 and j = 3 neighbours.
 */
BS_INL bs_plane z_plane(bs_plane x) {
  const bs_plane a = bs_down(x, 1), c = bs_down(x, 2);
  const bs_plane u = bs_xor(bs_xor(x, bs_swap(a)), bs_and(a, c));
  return bs_mask(bs_down(u, 1), BS_J0, BS_J0);
}

/* The blocks in slots (0, u) and (1, u) of x, moved to slots 0 and 4; and back. */
BS_INL bs_plane pick_plane(bs_plane x, unsigned u) { return bs_mask(bs_down(x, u), BS_J0, BS_J0); }
BS_INL bs_plane place_plane(bs_plane v, unsigned u) { return bs_up(v, u); }

static void keystream(const ps_aes_ct_x8 *s, ps_aes_ct_x8 *z) {
  for (int b = 0; b < 8; b++) bs_put(z, b, z_plane(bs_get(s, b)));
}

/*
 * Update u of a chunk: the keystream z, the absorbed block m = block u of in (encryption) or that ^ z
 * (decryption), and block u of out = z (encryption) or m (decryption). k is scratch.
 */
static void step(ps_aes_ct_x8 *s, const ps_aes_ct_x8 *in, ps_aes_ct_x8 *out, ps_aes_ct_x8 *k, unsigned u,
                 int decrypt) {
  for (int b = 0; b < 8; b++) {
    const bs_plane x = bs_get(s, b), z = z_plane(x), mi = pick_plane(bs_get(in, b), u);
    const bs_plane m = decrypt ? bs_xor(mi, z) : mi;
    bs_put(out, b, bs_or(bs_get(out, b), place_plane(decrypt ? m : z, u)));
    bs_put(k, b, bs_xor(x, m));
  }
  update_k(s, k);
}

/* Loads lane l's (M0, M1) of a full 32d-byte message block p into slots 0 and 4. */
static void load_pair(const st128 *st, ps_aes_ct_x8 *m, const uint8_t *p, int l) {
  const uint8_t *blk[8] = {p + 16 * l, NULL, NULL, NULL, p + st->half + 16 * l, NULL, NULL, NULL};
  ps_aes_ct_x8_load(m, blk);
}

static void init(st128 *st, int d, const uint8_t *key, const uint8_t *nonce) {
  uint8_t kn[16], kc0[16], kc1[16], ctx[16] = {0};
  ps_aes_ct_x8 m, c;
  st->d = d;
  st->half = 16 * (size_t)d;
  for (int i = 0; i < 16; i++) {
    kn[i] = key[i] ^ nonce[i];
    kc0[i] = key[i] ^ PS_AEGIS_C0[i];
    kc1[i] = key[i] ^ PS_AEGIS_C1[i];
  }
  const uint8_t *words[8] = {kn, PS_AEGIS_C1, PS_AEGIS_C0, PS_AEGIS_C1, kn, kc0, kc1, kc0};
  const uint8_t *msg[8] = {nonce, NULL, NULL, NULL, key, NULL, NULL, NULL};
  ps_aes_ct_x8_load(&m, msg);
  for (int l = 0; l < d; l++) {
    /* AEGIS-128X: ctx = ZeroPad(Byte(lane) || Byte(d - 1), 128) into S3 and S7 before each Update */
    ctx[0] = (uint8_t)l;
    ctx[1] = (uint8_t)(d - 1);
    const uint8_t *cw[8] = {NULL, NULL, NULL, ctx, NULL, NULL, NULL, ctx};
    ps_aes_ct_x8_load(&st->s[l], words);
    ps_aes_ct_x8_load(&c, cw);
    for (int r = 0; r < 10; r++) {
      if (d > 1) bs_xor_into(&st->s[l], &c);
      update(&st->s[l], &m);
    }
  }
  ps_wipe(kn, sizeof kn);
  ps_wipe(kc0, sizeof kc0);
  ps_wipe(kc1, sizeof kc1);
  ps_wipe(&m, sizeof m);
}

static void absorb(st128 *st, const uint8_t *ad, size_t adlen) {
  const size_t rate = 2 * st->half;
  uint8_t pad[2 * MAXD * 16] = {0};
  ps_aes_ct_x8 m;
  for (size_t i = 0; i < adlen; i += rate) {
    const uint8_t *p = ad + i;
    if (adlen - i < rate) {
      memcpy(pad, p, adlen - i);
      p = pad;
    }
    for (int l = 0; l < st->d; l++) {
      load_pair(st, &m, p, l);
      update(&st->s[l], &m);
    }
  }
  ps_wipe(&m, sizeof m);
}

/* Pointers to lane l's M0/M1 of the nu <= CHUNK blocks at p: block 4 k + u is Mk of block u (NULL if u >= nu). */
static void chunk_blocks(const st128 *st, uint8_t *blk[8], uint8_t *p, int l, int nu) {
  for (int k = 0; k < 2; k++)
    for (int u = 0; u < CHUNK; u++) blk[4 * k + u] = u < nu ? p + 2 * st->half * u + st->half * k + 16 * l : NULL;
}

/* Encrypts or decrypts nu <= CHUNK full blocks (32 d bytes each) at p in place: per lane, one conversion in
 * and one out. Encryption stores M ^ Z; decryption computes M = C ^ Z bitsliced and stores it. */
static void crypt_chunk(st128 *st, uint8_t *p, int nu, int decrypt) {
  const uint8_t *none[8] = {NULL};
  for (int l = 0; l < st->d; l++) {
    uint8_t *blk[8];
    chunk_blocks(st, blk, p, l, nu);
    ps_aes_ct_x8_load(&st->in, (const uint8_t *const *)blk);
    for (int b = 0; b < 8; b++) st->out.w[b][0] = st->out.w[b][1] = 0;
    for (int u = 0; u < nu; u++) step(&st->s[l], &st->in, &st->out, &st->k, (unsigned)u, decrypt);
    ps_aes_ct_x8_store(&st->out, blk, decrypt ? none : (const uint8_t *const *)blk);
  }
}

/* The last, partial block (0 < r < 32 d bytes): Enc of the zero-padded block, truncated. */
static void enc_tail(st128 *st, uint8_t *p, size_t r) {
  uint8_t pad[2 * MAXD * 16] = {0};
  memcpy(pad, p, r);
  crypt_chunk(st, pad, 1, 0);
  memcpy(p, pad, r);
  ps_wipe(pad, sizeof pad);
}

/* DecPartial: the keystream of every lane, M = C ^ Z on r bytes and zero after, then M absorbed. */
static void dec_tail(st128 *st, uint8_t *p, size_t r) {
  uint8_t pad[2 * MAXD * 16] = {0}, zs[2 * MAXD * 16];
  ps_aes_ct_x8 z, m;
  for (int l = 0; l < st->d; l++) {
    uint8_t *out[8] = {zs + 16 * l, NULL, NULL, NULL, zs + st->half + 16 * l, NULL, NULL, NULL};
    const uint8_t *none[8] = {NULL};
    keystream(&st->s[l], &z);
    ps_aes_ct_x8_store(&z, out, none);
  }
  for (size_t i = 0; i < r; i++) pad[i] = p[i] ^ zs[i];
  memcpy(p, pad, r);
  for (int l = 0; l < st->d; l++) {
    load_pair(st, &m, pad, l);
    update(&st->s[l], &m);
  }
  ps_wipe(pad, sizeof pad);
  ps_wipe(zs, sizeof zs);
  ps_wipe(&z, sizeof z);
  ps_wipe(&m, sizeof m);
}

static void crypt(st128 *st, uint8_t *buf, size_t len, int decrypt) {
  const size_t rate = 2 * st->half;
  size_t i = 0;
  while (i + rate <= len) {
    const size_t left = (len - i) / rate;
    const int nu = left < CHUNK ? (int)left : CHUNK;
    crypt_chunk(st, buf + i, nu, decrypt);
    i += (size_t)nu * rate;
  }
  if (i < len) {
    if (decrypt) dec_tail(st, buf + i, len - i);
    else enc_tail(st, buf + i, len - i);
  }
}

/* Finalize: 7 Updates with t = S2 ^ (LE64(ad bits) || LE64(msg bits)) as M0 and M1, then the tag: the XOR over all
 * lanes of S0 ^ ... ^ S6 (128-bit), or of S0 ^ .. ^ S3 followed by that of S4 ^ .. ^ S7 (256-bit). */
static void finalize(st128 *st, size_t adlen, size_t len, uint8_t out[32], int tag256) {
  uint8_t lens[16], w[8][16];
  ps_aes_ct_x8 t;
  ps_aegis_lengths(lens, adlen, len);
  memset(out, 0, 32);
  for (int l = 0; l < st->d; l++) {
    const uint8_t *lb[8] = {lens, NULL, NULL, NULL, lens, NULL, NULL, NULL};
    ps_aes_ct_x8_load(&t, lb);
    for (int b = 0; b < 8; b++) {
      const bs_plane s2 = bs_mask(bs_down(bs_get(&st->s[l], b), 2), BS_J0, 0); /* S2 in slot 0 */
      bs_put(&t, b, bs_xor(bs_get(&t, b), bs_or(s2, bs_swap(s2))));
    }
    for (int r = 0; r < 7; r++) update(&st->s[l], &t);
    uint8_t *wp[8] = {w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]};
    const uint8_t *none[8] = {NULL};
    ps_aes_ct_x8_store(&st->s[l], wp, none);
    for (int i = 0; i < (tag256 ? 8 : 7); i++) {
      uint8_t *dst = (tag256 && i >= 4) ? out + 16 : out;
      for (int k = 0; k < 16; k++) dst[k] ^= w[i][k];
    }
  }
  ps_wipe(w, sizeof w);
  ps_wipe(&t, sizeof t);
}

void ps_aegis128_portable_encrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                    size_t adlen, const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  st128 st;
  uint8_t full[32];
  init(&st, d, ctx->state, nonce);
  absorb(&st, ad, adlen);
  crypt(&st, buf, len, 0);
  finalize(&st, adlen, len, full, taglen == 32);
  ps_aegis_put_tag(tag, taglen, full);
  ps_wipe(&st, sizeof st);
  ps_wipe(full, sizeof full);
}

int ps_aegis128_portable_decrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                   size_t adlen, const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  st128 st;
  uint8_t full[32];
  init(&st, d, ctx->state, nonce);
  absorb(&st, ad, adlen);
  crypt(&st, buf, len, 1);
  finalize(&st, adlen, len, full, taglen == 32);
  ps_wipe(&st, sizeof st);
  const int rc = ps_aegis_finish_decrypt(buf, len, full, tag, taglen);
  ps_wipe(full, sizeof full);
  return rc;
}

void ps_aegis128l_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                   const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ps_aegis128_portable_encrypt_d(1, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

int ps_aegis128l_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                  const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ps_aegis128_portable_decrypt_d(1, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}
