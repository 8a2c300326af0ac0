/*
 * The cipher half of the Node-API binding: aeadEncrypt, aeadDecrypt, cryptPages, cipherPath, benchCipher,
 * wipeKeyCache.
 * Every argument is checked here (TypeError for a wrong type, RangeError for a wrong size or id), so
 * nothing JavaScript passes can crash the process. The last expanded key of each path (fast, portable)
 * is cached per thread (each worker thread runs its own Node environment, so caches are never shared),
 * wiped when replaced and when the environment shuts down.
 */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ps_aead.h"

#define CALL(env, expr)                 \
  do {                                  \
    if ((expr) != napi_ok) return NULL; \
  } while (0)

/* Largest message one call accepts (1 GiB): far above any page, below size_t/int overflow concerns. */
#define MAX_MESSAGE ((size_t)1 << 30)
#define MAX_KEY 32

/* ---- per-thread key cache ---- */

typedef struct {
  ps_aead aead; /* first: keeps its 64-byte alignment */
  uint8_t key[MAX_KEY];
  int valid;
} cache_slot;

typedef struct {
  cache_slot slot[2]; /* [0] fast path, [1] forced portable */
} cipher_cache;

static _Thread_local cipher_cache *tls_cache;

static void *alloc64(size_t n) { return aligned_alloc(64, (n + 63) & ~(size_t)63); }

/* Environment cleanup hook: wipes and frees this thread's cache. */
static void cache_release(void *arg) {
  (void)arg;
  if (!tls_cache) return;
  ps_wipe(tls_cache, sizeof *tls_cache);
  free(tls_cache);
  tls_cache = NULL;
}

static cipher_cache *get_cache(napi_env env) {
  if (!tls_cache) {
    tls_cache = alloc64(sizeof(cipher_cache));
    if (tls_cache) memset(tls_cache, 0, sizeof *tls_cache);
  }
  return tls_cache;
}

/* Constant-time equality of two byte strings of length n. */
static int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= a[i] ^ b[i];
  return d == 0;
}

/* The ps_aead for (cipher, key, portable): the cached one when it matches, else a fresh one. */
static const ps_aead *aead_for(cipher_cache *cache, int cipher, const uint8_t *key, size_t key_len, int portable) {
  cache_slot *s = &cache->slot[portable ? 1 : 0];
  if (s->valid && s->aead.cipher == cipher && s->aead.key_size == key_len && same_bytes(s->key, key, key_len))
    return &s->aead;
  ps_wipe(s, sizeof *s);
  if (ps_aead_init(&s->aead, cipher, key, key_len, portable ? PS_AEAD_FORCE_PORTABLE : 0) != 0) return NULL;
  memcpy(s->key, key, key_len);
  s->valid = 1;
  return &s->aead;
}

/* ---- argument checks ---- */

typedef struct {
  uint8_t *data;
  size_t len;
} bytes;

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

/* A Uint8Array (Buffer included). An empty array may have a NULL data pointer: give it a valid one. */
static int get_bytes(napi_env env, napi_value v, const char *what, bytes *out) {
  static uint8_t empty[1];
  bool is_ta = false;
  char msg[96];
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    snprintf(msg, sizeof msg, "%s must be a Uint8Array", what);
    throw_type(env, msg);
    return -1;
  }
  napi_typedarray_type type;
  void *data = NULL;
  size_t len = 0;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL) != napi_ok) return -1;
  if (type != napi_uint8_array) {
    snprintf(msg, sizeof msg, "%s must be a Uint8Array", what);
    throw_type(env, msg);
    return -1;
  }
  if (len > MAX_MESSAGE) {
    snprintf(msg, sizeof msg, "%s is too large", what);
    throw_range(env, msg);
    return -1;
  }
  out->data = (len == 0 || data == NULL) ? empty : (uint8_t *)data;
  out->len = len;
  return 0;
}

/* Optional associated data: undefined or null mean empty. */
static int get_ad(napi_env env, napi_value v, bytes *out) {
  static uint8_t empty[1];
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_undefined || t == napi_null) {
    out->data = empty;
    out->len = 0;
    return 0;
  }
  return get_bytes(env, v, "ad", out);
}

static int get_int(napi_env env, napi_value v, const char *what, int64_t lo, int64_t hi, int64_t *out) {
  napi_valuetype t;
  char msg[96];
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t != napi_number) {
    snprintf(msg, sizeof msg, "%s must be a number", what);
    throw_type(env, msg);
    return -1;
  }
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return -1;
  if (!(d >= (double)lo && d <= (double)hi) || d != (double)(int64_t)d) {
    snprintf(msg, sizeof msg, "%s must be an integer in [%lld, %lld]", what, (long long)lo, (long long)hi);
    throw_range(env, msg);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

static int get_cipher(napi_env env, napi_value v, int *cipher) {
  int64_t id;
  if (get_int(env, v, "cipherId", PS_CIPHER_MIN, PS_CIPHER_MAX, &id) != 0) return -1;
  *cipher = (int)id;
  return 0;
}

/* forcePortable: a boolean; undefined means false. */
static int get_flag(napi_env env, napi_value v, int *flag) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_undefined) {
    *flag = 0;
    return 0;
  }
  bool b;
  if (t != napi_boolean || napi_get_value_bool(env, v, &b) != napi_ok) {
    throw_type(env, "forcePortable must be a boolean");
    return -1;
  }
  *flag = b ? 1 : 0;
  return 0;
}

static int is_aegis(int cipher) { return cipher != PS_AES128GCM && cipher != PS_AES256GCM; }

static int valid_tag_len(int cipher, size_t taglen) { return taglen == 16 || (taglen == 32 && is_aegis(cipher)); }

/* Checks key and nonce sizes for the cipher; throws RangeError (without the key) on a mismatch. */
static int check_key_nonce(napi_env env, int cipher, const bytes *key, const bytes *nonce) {
  char msg[96];
  if (key->len != ps_cipher_key_size(cipher)) {
    snprintf(msg, sizeof msg, "key must be %zu bytes for %s, got %zu", ps_cipher_key_size(cipher),
             ps_cipher_name(cipher), key->len);
    throw_range(env, msg);
    return -1;
  }
  if (nonce->len != ps_cipher_nonce_size(cipher)) {
    snprintf(msg, sizeof msg, "nonce must be %zu bytes for %s, got %zu", ps_cipher_nonce_size(cipher),
             ps_cipher_name(cipher), nonce->len);
    throw_range(env, msg);
    return -1;
  }
  return 0;
}

static napi_value get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_value self;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_value undef;
  CALL(env, napi_get_undefined(env, &undef));
  for (size_t i = argc; i < want; i++) argv[i] = undef;
  return self;
}

/* A new Buffer holding a copy of src (so the caller's bytes are never modified). */
static napi_value new_buffer_copy(napi_env env, const bytes *src, uint8_t **data) {
  napi_value out;
  void *p = NULL;
  CALL(env, napi_create_buffer(env, src->len, &p, &out));
  if (src->len) memcpy(p, src->data, src->len);
  *data = (uint8_t *)p;
  return out;
}

static const ps_aead *aead_or_throw(napi_env env, int cipher, const bytes *key, int portable) {
  cipher_cache *cache = get_cache(env);
  const ps_aead *a = cache ? aead_for(cache, cipher, key->data, key->len, portable) : NULL;
  if (!a) napi_throw_error(env, "ERR_PAGESEAL_CIPHER", "cipher setup failed");
  return a;
}

/* ---- aeadEncrypt(cipherId, key, nonce, plaintext, ad, tagLength, forcePortable) -> {ciphertext, tag} ---- */

static napi_value aead_encrypt(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return NULL;
  int cipher, portable;
  bytes key, nonce, pt, ad;
  int64_t taglen = 16;
  napi_valuetype t;
  if (get_cipher(env, argv[0], &cipher) || get_bytes(env, argv[1], "key", &key) ||
      get_bytes(env, argv[2], "nonce", &nonce) || get_bytes(env, argv[3], "plaintext", &pt) ||
      get_ad(env, argv[4], &ad))
    return NULL;
  CALL(env, napi_typeof(env, argv[5], &t));
  if (t != napi_undefined && get_int(env, argv[5], "tagLength", 0, 64, &taglen)) return NULL;
  if (get_flag(env, argv[6], &portable) || check_key_nonce(env, cipher, &key, &nonce)) return NULL;
  if (!valid_tag_len(cipher, (size_t)taglen))
    return throw_range(env, is_aegis(cipher) ? "tagLength must be 16 or 32" : "tagLength must be 16 for AES-GCM");

  const ps_aead *a = aead_or_throw(env, cipher, &key, portable);
  if (!a) return NULL;
  uint8_t *ct, *tag;
  napi_value ct_buf = new_buffer_copy(env, &pt, &ct);
  if (!ct_buf) return NULL;
  napi_value tag_buf;
  void *tp;
  CALL(env, napi_create_buffer(env, (size_t)taglen, &tp, &tag_buf));
  tag = (uint8_t *)tp;
  ps_aead_encrypt(a, ct, pt.len, ad.data, ad.len, nonce.data, tag, (size_t)taglen);

  napi_value result;
  CALL(env, napi_create_object(env, &result));
  CALL(env, napi_set_named_property(env, result, "ciphertext", ct_buf));
  CALL(env, napi_set_named_property(env, result, "tag", tag_buf));
  return result;
}

/* ---- aeadDecrypt(cipherId, key, nonce, ciphertext, tag, ad, forcePortable) -> plaintext ---- */

static napi_value aead_decrypt(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return NULL;
  int cipher, portable;
  bytes key, nonce, ct, tag, ad;
  if (get_cipher(env, argv[0], &cipher) || get_bytes(env, argv[1], "key", &key) ||
      get_bytes(env, argv[2], "nonce", &nonce) || get_bytes(env, argv[3], "ciphertext", &ct) ||
      get_bytes(env, argv[4], "tag", &tag) || get_ad(env, argv[5], &ad) || get_flag(env, argv[6], &portable) ||
      check_key_nonce(env, cipher, &key, &nonce))
    return NULL;
  if (!valid_tag_len(cipher, tag.len))
    return throw_range(env, is_aegis(cipher) ? "tag must be 16 or 32 bytes" : "tag must be 16 bytes for AES-GCM");

  const ps_aead *a = aead_or_throw(env, cipher, &key, portable);
  if (!a) return NULL;
  uint8_t *pt;
  napi_value pt_buf = new_buffer_copy(env, &ct, &pt);
  if (!pt_buf) return NULL;
  if (ps_aead_decrypt(a, pt, ct.len, ad.data, ad.len, nonce.data, tag.data, tag.len) != 0) {
    napi_throw_error(env, "AUTHENTICATION_FAILED", "authentication failed");
    return NULL;
  }
  return pt_buf;
}

/* ---- cryptPages(cipherId, key, op, buf, pageSize, count, forcePortable) -> failed indices (decrypt) ----
 *
 * Seals or opens `count` whole pages laid out back to back in `buf`, in place, in Turso's format for every
 * page but page 1 (docs/format.md): body [0, P-N-T), tag [P-N-T, P-N), nonce [P-N, P), no associated data.
 * One call per batch instead of one per page: the offline tools stream a file through a few MiB at a time.
 * encrypt: fresh random nonces (one CSPRNG read per call), returns an empty array.
 * decrypt: every page is tried; a page that fails is zeroed (no unauthenticated plaintext), its index
 * (0-based within the batch) is returned; a page that opens gets its reserved tail zeroed, as SQLite expects.
 */
static napi_value crypt_pages(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return NULL;
  int cipher, portable;
  bytes key, buf;
  int64_t page_size, count;
  char op[16];
  size_t oplen = 0;
  napi_valuetype t;
  if (get_cipher(env, argv[0], &cipher) || get_bytes(env, argv[1], "key", &key)) return NULL;
  CALL(env, napi_typeof(env, argv[2], &t));
  if (t != napi_string) return throw_type(env, "op must be 'encrypt' or 'decrypt'");
  CALL(env, napi_get_value_string_utf8(env, argv[2], op, sizeof op, &oplen));
  int decrypt = strcmp(op, "decrypt") == 0;
  if (!decrypt && strcmp(op, "encrypt") != 0) return throw_range(env, "op must be 'encrypt' or 'decrypt'");
  if (get_bytes(env, argv[3], "buf", &buf) || get_int(env, argv[4], "pageSize", 512, 65536, &page_size) ||
      get_int(env, argv[5], "count", 0, 1 << 24, &count) || get_flag(env, argv[6], &portable))
    return NULL;
  size_t nonce_len = ps_cipher_nonce_size(cipher), reserve = nonce_len + 16, ps = (size_t)page_size;
  if (key.len != ps_cipher_key_size(cipher)) return throw_range(env, "key has the wrong size for the cipher");
  if ((ps & (ps - 1)) != 0) return throw_range(env, "pageSize must be a power of two");
  if ((size_t)count * ps > buf.len) return throw_range(env, "buf is shorter than count pages");
  const ps_aead *a = aead_or_throw(env, cipher, &key, portable);
  if (!a) return NULL;
  size_t body = ps - reserve;
  napi_value failed;
  CALL(env, napi_create_array(env, &failed));
  if (!decrypt) {
    uint8_t *nonces = count ? malloc((size_t)count * nonce_len) : NULL;
    if (count && (!nonces || ps_random_bytes(nonces, (size_t)count * nonce_len) != 0)) {
      free(nonces);
      napi_throw_error(env, "ERR_PAGESEAL_RANDOM", "the OS random number generator failed");
      return NULL;
    }
    for (int64_t i = 0; i < count; i++) {
      uint8_t *p = buf.data + (size_t)i * ps, *tag = p + body, *nonce = tag + 16;
      memcpy(nonce, nonces + (size_t)i * nonce_len, nonce_len);
      ps_aead_encrypt(a, p, body, NULL, 0, nonce, tag, 16);
    }
    free(nonces);
    return failed;
  }
  uint32_t nfailed = 0;
  for (int64_t i = 0; i < count; i++) {
    uint8_t *p = buf.data + (size_t)i * ps, *tag = p + body, *nonce = tag + 16;
    if (ps_aead_decrypt(a, p, body, NULL, 0, nonce, tag, 16) != 0) {
      memset(p, 0, ps);
      napi_value idx;
      CALL(env, napi_create_int64(env, i, &idx));
      CALL(env, napi_set_element(env, failed, nfailed++, idx));
    } else {
      memset(p + body, 0, reserve);
    }
  }
  return failed;
}

/* ---- cipherPath(cipherId, forcePortable) -> "portable" | "aesni" | "vaes-avx2" | "avx512" ---- */

static napi_value cipher_path(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int cipher, portable;
  if (get_cipher(env, argv[0], &cipher) || get_flag(env, argv[1], &portable)) return NULL;
  uint8_t zero_key[MAX_KEY] = {0}; /* not a secret: only the path choice is read */
  ps_aead *ctx = alloc64(sizeof(ps_aead));
  if (!ctx) {
    napi_throw_error(env, "ERR_MEMORY", "out of memory");
    return NULL;
  }
  int rc = ps_aead_init(ctx, cipher, zero_key, ps_cipher_key_size(cipher), portable ? PS_AEAD_FORCE_PORTABLE : 0);
  const char *name = rc == 0 ? ps_path_name(ctx->path) : NULL;
  ps_aead_wipe(ctx);
  free(ctx);
  if (!name) {
    napi_throw_error(env, "ERR_PAGESEAL_CIPHER", "cipher setup failed");
    return NULL;
  }
  napi_value out;
  CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out));
  return out;
}

/* ---- benchCipher(cipherId, forcePortable, op, bytes, iterations) -> total nanoseconds ---- */

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Decryption is timed on BENCH_BUFS copies, restored (re-encrypted) between timed rounds. */
#define BENCH_BUFS 8
#define BENCH_HOT_BYTES 32768 /* keep the copies within a typical L1 data cache when they fit */

typedef struct {
  ps_aead *ctx;
  uint8_t *buf[BENCH_BUFS], nonce[32], tag[BENCH_BUFS][16];
  size_t len, nbuf;
} bench_state;

static double time_encrypt(bench_state *b, int64_t iterations) {
  double t0 = now_ns();
  for (int64_t i = 0; i < iterations; i++) ps_aead_encrypt(b->ctx, b->buf[0], b->len, NULL, 0, b->nonce, b->tag[0], 16);
  return now_ns() - t0;
}

/*
 * Decrypting in place turns a buffer into plaintext, so each timed round decrypts up to BENCH_BUFS
 * ciphertexts, and an untimed pass re-encrypts them (same key and nonce give the same ciphertext and tag).
 */
static double time_decrypt(bench_state *b, int64_t iterations, int *failed) {
  for (size_t j = 0; j < b->nbuf; j++) ps_aead_encrypt(b->ctx, b->buf[j], b->len, NULL, 0, b->nonce, b->tag[j], 16);
  double total = 0;
  for (int64_t done = 0; done < iterations;) {
    size_t m = (size_t)(iterations - done) < b->nbuf ? (size_t)(iterations - done) : b->nbuf;
    double t0 = now_ns();
    for (size_t j = 0; j < m; j++) *failed |= ps_aead_decrypt(b->ctx, b->buf[j], b->len, NULL, 0, b->nonce, b->tag[j], 16);
    total += now_ns() - t0;
    for (size_t j = 0; j < m; j++) ps_aead_encrypt(b->ctx, b->buf[j], b->len, NULL, 0, b->nonce, b->tag[j], 16);
    done += (int64_t)m;
  }
  return total;
}

static int bench_prepare(bench_state *b, int cipher, int portable, size_t len) {
  uint8_t key[MAX_KEY];
  memset(b, 0, sizeof *b);
  b->len = len;
  b->nbuf = len > 0 && len * BENCH_BUFS > BENCH_HOT_BYTES ? BENCH_HOT_BYTES / len : BENCH_BUFS;
  if (b->nbuf == 0) b->nbuf = 1;
  b->ctx = alloc64(sizeof(ps_aead));
  if (!b->ctx) return -1;
  for (size_t j = 0; j < b->nbuf; j++) {
    b->buf[j] = alloc64(len + 64);
    if (!b->buf[j] || ps_random_bytes(b->buf[j], len)) return -1;
  }
  if (ps_random_bytes(key, sizeof key) || ps_random_bytes(b->nonce, sizeof b->nonce)) return -1;
  int rc = ps_aead_init(b->ctx, cipher, key, ps_cipher_key_size(cipher), portable ? PS_AEAD_FORCE_PORTABLE : 0);
  ps_wipe(key, sizeof key);
  return rc;
}

static void bench_release(bench_state *b) {
  if (b->ctx) ps_aead_wipe(b->ctx);
  free(b->ctx);
  for (size_t j = 0; j < BENCH_BUFS; j++) free(b->buf[j]);
}

static napi_value bench_cipher(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  int cipher, portable;
  int64_t len, iterations;
  char op[16];
  size_t oplen = 0;
  napi_valuetype t;
  if (get_cipher(env, argv[0], &cipher) || get_flag(env, argv[1], &portable)) return NULL;
  CALL(env, napi_typeof(env, argv[2], &t));
  if (t != napi_string) return throw_type(env, "op must be 'encrypt' or 'decrypt'");
  CALL(env, napi_get_value_string_utf8(env, argv[2], op, sizeof op, &oplen));
  int decrypt = strcmp(op, "decrypt") == 0;
  if (!decrypt && strcmp(op, "encrypt") != 0) return throw_range(env, "op must be 'encrypt' or 'decrypt'");
  if (get_int(env, argv[3], "bytes", 0, 1 << 26, &len) || get_int(env, argv[4], "iterations", 1, 100000000, &iterations))
    return NULL;

  bench_state b;
  int failed = 0;
  double ns = -1;
  if (bench_prepare(&b, cipher, portable, (size_t)len) == 0)
    ns = decrypt ? time_decrypt(&b, iterations, &failed) : time_encrypt(&b, iterations);
  bench_release(&b);
  if (ns < 0) {
    napi_throw_error(env, "ERR_PAGESEAL_CIPHER", "benchmark setup failed");
    return NULL;
  }
  if (failed) {
    napi_throw_error(env, "AUTHENTICATION_FAILED", "benchmark decrypt did not authenticate its own ciphertext");
    return NULL;
  }
  napi_value out;
  CALL(env, napi_create_double(env, ns, &out));
  return out;
}

/* ---- wipeKeyCache() -> undefined: wipes this thread's cached expanded keys now ---- */

static napi_value wipe_key_cache(napi_env env, napi_callback_info info) {
  if (tls_cache) ps_wipe(tls_cache, sizeof *tls_cache);
  return NULL; /* undefined */
}

/* ---- registration ---- */

napi_value ps_napi_ciphers_init(napi_env env, napi_value exports) {
  CALL(env, napi_add_env_cleanup_hook(env, cache_release, NULL));
  napi_property_descriptor props[] = {
      {"aeadEncrypt", NULL, aead_encrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadDecrypt", NULL, aead_decrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cryptPages", NULL, crypt_pages, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cipherPath", NULL, cipher_path, NULL, NULL, NULL, napi_enumerable, NULL},
      {"benchCipher", NULL, bench_cipher, NULL, NULL, NULL, napi_enumerable, NULL},
      {"wipeKeyCache", NULL, wipe_key_cache, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
