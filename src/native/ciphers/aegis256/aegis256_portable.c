/*
 * AEGIS-256 and AEGIS-256X in plain C, generic over the degree d (1, 2 or 4 lanes), for CPUs without AES
 * instructions. Algorithm: draft-irtf-cfrg-aegis-aead-18 (RFC 10032), as in aegis256_impl.h; the X2/X4 entry
 * points live in ../aegis256x/aegis256x_portable.c. Each lane of AEGIS-256X is an AEGIS-256 state of its own
 * (lanes meet only in Init's context block and in the tag), so lane l is one bitsliced ps_aes_ct_x8, kept
 * bitsliced from Init to the tag (see ../aegis/aegis_bitsliced.h). Word Si sits in slot (i / 3, i % 3), so that
 * S0, S1, S2 and S3, S4, S5 fill j = 0..2 of the two groups; slots (0, 3) and (1, 3) stay zero.
 *
 * Constant-time: the AES rounds are bitsliced (no table lookups) and every other step is a fixed sequence of
 * word operations; branches depend only on lengths.
 */
#include "../aegis/aegis_bitsliced.h"
#include "../aegis/aegis_internal.h"

#define MAXD 4
#define CHUNK 8 /* Updates served by one conversion of message blocks */
#define J12 (BS_J1 | BS_J2)

typedef struct {
  int d;
  size_t w;             /* 16 d: bytes absorbed per Update */
  ps_aes_ct_x8 s[MAXD]; /* lane l */
  ps_aes_ct_x8 in, out, k; /* scratch of crypt_chunk, wiped with the state */
} st256;

/*
 * Update: S'i = AESRound(S(i-1), Si) ^ (M into word 0; m holds it in slot 0, zero elsewhere). R = the keyless round
 * of every slot moves one word on: (e, j) takes (e, j - 1) for j = 1, 2, and (e, 0) takes (1 - e, 2).
 */
BS_INL bs_plane rot_plane(bs_plane x) { return bs_or(bs_mask(bs_up(x, 1), J12, J12), bs_mask(bs_down(bs_swap(x), 2), BS_J0, BS_J0)); }

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

/* One plane of the keystream z = S1 ^ S4 ^ S5 ^ (S2 & S3), in slot 0, zero elsewhere. At slot (0, 1): S1 itself,
 * S4 and S5 at (1, 1) and (1, 2), S2 at (0, 2), S3 at (1, 0). */
BS_INL bs_plane z_plane(bs_plane x) {
  const bs_plane y = bs_swap(x);
  const bs_plane u = bs_xor(bs_xor(x, y), bs_xor(bs_down(y, 1), bs_and(bs_down(x, 1), bs_up(y, 1))));
  return bs_mask(bs_down(u, 1), BS_J0, 0);
}

/* The block in slot (u / 4, u % 4) of x, moved to slot 0; and back. */
BS_INL bs_plane pick_plane(bs_plane x, unsigned u) {
  return bs_mask(bs_down(u >= 4 ? bs_swap(x) : x, u % 4), BS_J0, 0);
}
BS_INL bs_plane place_plane(bs_plane v, unsigned u) { return bs_up(u >= 4 ? bs_swap(v) : v, u % 4); }

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

/* Loads the 16-byte block p into slot 0. */
static void load_one(ps_aes_ct_x8 *m, const uint8_t *p) {
  const uint8_t *blk[8] = {p, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  ps_aes_ct_x8_load(m, blk);
}

static void init(st256 *st, int d, const uint8_t *key, const uint8_t *nonce) {
  uint8_t kn[32], kc0[16], kc1[16], ctx[16] = {0};
  ps_aes_ct_x8 m[4], c;
  st->d = d;
  st->w = 16 * (size_t)d;
  for (int i = 0; i < 32; i++) kn[i] = key[i] ^ nonce[i];
  for (int i = 0; i < 16; i++) {
    kc0[i] = key[i] ^ PS_AEGIS_C0[i];
    kc1[i] = key[16 + i] ^ PS_AEGIS_C1[i];
  }
  const uint8_t *words[8] = {kn, kn + 16, PS_AEGIS_C1, NULL, PS_AEGIS_C0, kc0, kc1, NULL};
  load_one(&m[0], key);
  load_one(&m[1], key + 16);
  load_one(&m[2], kn);
  load_one(&m[3], kn + 16);
  for (int l = 0; l < d; l++) {
    /* AEGIS-256X: ctx = ZeroPad(Byte(lane) || Byte(d - 1), 128) into S3 and S5 before each Update */
    ctx[0] = (uint8_t)l;
    ctx[1] = (uint8_t)(d - 1);
    const uint8_t *cw[8] = {NULL, NULL, NULL, NULL, ctx, NULL, ctx, NULL};
    ps_aes_ct_x8_load(&st->s[l], words);
    ps_aes_ct_x8_load(&c, cw);
    for (int r = 0; r < 16; r++) {
      if (d > 1) bs_xor_into(&st->s[l], &c);
      update(&st->s[l], &m[r % 4]);
    }
  }
  ps_wipe(kn, sizeof kn);
  ps_wipe(kc0, sizeof kc0);
  ps_wipe(kc1, sizeof kc1);
  ps_wipe(m, sizeof m);
}

static void absorb(st256 *st, const uint8_t *ad, size_t adlen) {
  uint8_t pad[MAXD * 16] = {0};
  ps_aes_ct_x8 m;
  for (size_t i = 0; i < adlen; i += st->w) {
    const uint8_t *p = ad + i;
    if (adlen - i < st->w) {
      memcpy(pad, p, adlen - i);
      p = pad;
    }
    for (int l = 0; l < st->d; l++) {
      load_one(&m, p + 16 * l);
      update(&st->s[l], &m);
    }
  }
  ps_wipe(&m, sizeof m);
}

/* Pointers to lane l's part of the nu <= CHUNK blocks at p: block u of the x8 is that of message block u. */
static void chunk_blocks(const st256 *st, uint8_t *blk[8], uint8_t *p, int l, int nu) {
  for (int u = 0; u < CHUNK; u++) blk[u] = u < nu ? p + st->w * u + 16 * l : NULL;
}

/* Encrypts or decrypts nu <= CHUNK full blocks (16 d bytes each) at p in place: per lane, one conversion in
 * and one out. Encryption stores M ^ Z; decryption computes M = C ^ Z bitsliced and stores it. */
static void crypt_chunk(st256 *st, uint8_t *p, int nu, int decrypt) {
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

/* The last, partial block (0 < r < 16 d bytes): Enc of the zero-padded block, truncated. */
static void enc_tail(st256 *st, uint8_t *p, size_t r) {
  uint8_t pad[MAXD * 16] = {0};
  memcpy(pad, p, r);
  crypt_chunk(st, pad, 1, 0);
  memcpy(p, pad, r);
  ps_wipe(pad, sizeof pad);
}

/* DecPartial: the keystream of every lane, M = C ^ Z on r bytes and zero after, then M absorbed. */
static void dec_tail(st256 *st, uint8_t *p, size_t r) {
  uint8_t pad[MAXD * 16] = {0}, zs[MAXD * 16];
  ps_aes_ct_x8 z, m;
  for (int l = 0; l < st->d; l++) {
    uint8_t *out[8] = {zs + 16 * l, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    const uint8_t *none[8] = {NULL};
    keystream(&st->s[l], &z);
    ps_aes_ct_x8_store(&z, out, none);
  }
  for (size_t i = 0; i < r; i++) pad[i] = p[i] ^ zs[i];
  memcpy(p, pad, r);
  for (int l = 0; l < st->d; l++) {
    load_one(&m, pad + 16 * l);
    update(&st->s[l], &m);
  }
  ps_wipe(pad, sizeof pad);
  ps_wipe(zs, sizeof zs);
  ps_wipe(&z, sizeof z);
  ps_wipe(&m, sizeof m);
}

static void crypt(st256 *st, uint8_t *buf, size_t len, int decrypt) {
  size_t i = 0;
  while (i + st->w <= len) {
    const size_t left = (len - i) / st->w;
    const int nu = left < CHUNK ? (int)left : CHUNK;
    crypt_chunk(st, buf + i, nu, decrypt);
    i += (size_t)nu * st->w;
  }
  if (i < len) {
    if (decrypt) dec_tail(st, buf + i, len - i);
    else enc_tail(st, buf + i, len - i);
  }
}

/* Finalize: 7 Updates with t = S3 ^ (LE64(ad bits) || LE64(msg bits)), then the tag: the XOR over all lanes of
 * S0 ^ ... ^ S5 (128-bit), or of S0 ^ S1 ^ S2 followed by that of S3 ^ S4 ^ S5 (256-bit). */
static void finalize(st256 *st, size_t adlen, size_t len, uint8_t out[32], int tag256) {
  uint8_t lens[16], w[8][16];
  ps_aes_ct_x8 t;
  ps_aegis_lengths(lens, adlen, len);
  memset(out, 0, 32);
  for (int l = 0; l < st->d; l++) {
    load_one(&t, lens);
    for (int b = 0; b < 8; b++) /* S3, from slot (1, 0) */
      bs_put(&t, b, bs_xor(bs_get(&t, b), bs_mask(bs_swap(bs_get(&st->s[l], b)), BS_J0, 0)));
    for (int r = 0; r < 7; r++) update(&st->s[l], &t);
    uint8_t *wp[8] = {w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]};
    const uint8_t *none[8] = {NULL};
    ps_aes_ct_x8_store(&st->s[l], wp, none);
    static const int slot[6] = {0, 1, 2, 4, 5, 6}; /* of S0 .. S5 */
    for (int i = 0; i < 6; i++) {
      uint8_t *dst = (tag256 && i >= 3) ? out + 16 : out;
      for (int k = 0; k < 16; k++) dst[k] ^= w[slot[i]][k];
    }
  }
  ps_wipe(w, sizeof w);
  ps_wipe(&t, sizeof t);
}

void ps_aegis256_portable_encrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                    size_t adlen, const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  st256 st;
  uint8_t full[32];
  init(&st, d, ctx->state, nonce);
  absorb(&st, ad, adlen);
  crypt(&st, buf, len, 0);
  finalize(&st, adlen, len, full, taglen == 32);
  ps_aegis_put_tag(tag, taglen, full);
  ps_wipe(&st, sizeof st);
  ps_wipe(full, sizeof full);
}

int ps_aegis256_portable_decrypt_d(int d, const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad,
                                   size_t adlen, const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  st256 st;
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

void ps_aegis256_portable_encrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                  const uint8_t *nonce, uint8_t *tag, size_t taglen) {
  ps_aegis256_portable_encrypt_d(1, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}

int ps_aegis256_portable_decrypt(const ps_aead *ctx, uint8_t *buf, size_t len, const uint8_t *ad, size_t adlen,
                                 const uint8_t *nonce, const uint8_t *tag, size_t taglen) {
  return ps_aegis256_portable_decrypt_d(1, ctx, buf, len, ad, adlen, nonce, tag, taglen);
}
