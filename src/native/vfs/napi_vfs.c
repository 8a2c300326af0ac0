/*
 * The Node-API face of the VFS shim: JavaScript registers keys and reads failure details here;
 * no JavaScript ever runs per page (see docs/vfs.md).
 *   registerKey(path, cipherId, key[, seal[, handoff]]) -> canonical path   (the key is copied; the caller
 *                                        wipes its copy; seal: 32 bytes, page 1 prefix + database id, for the
 *                                        pageseal format; handoff: true hands the registration to the main file
 *                                        the next open of this thread creates, see endHandoff)
 *   endHandoff() -> 0 | 1 | 2                            (0: no open took the registration, dropped here; 1: the
 *                                        open's main file took it and drops it when SQLite closes it; 2: the
 *                                        same, and that file's page 1 authenticated under the key as it opened)
 *   unregisterKey(path) -> boolean                       (drops one registration this environment made with
 *                                        registerKey without handoff; false when it holds none for the path)
 *   keyRegistration(path) -> { seal: Uint8Array | null } | null   (what is registered for the path; no key bytes)
 *   canonicalPath(path) -> string                        (the name SQLite will open)
 *   vfsInstalled() -> boolean
 *   lastFailure() -> { kind, path, page } | null         (this thread's last page failure)
 *   clearLastFailure()
 *   lastLogged() -> string                               (this thread's last line sent to sqlite3_log)
 *   vfsStats() -> { registeredPaths, liveKeys, encryptedTempFiles }
 *   sealPage(cipherId, key, seal|null, page, pgno, page1, frameHeader|null, frameNo, nonce|null) -> sealed copy
 *   openPage(cipherId, key, seal|null, page, pgno, page1, frameHeader|null, frameNo) -> plaintext copy | null
 *                                        (the VFS's own page codec, for test vectors: pagecrypt.c)
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

#define MAX_ARGS 5
#define CHECK(call)                           \
  do {                                        \
    if ((call) != napi_ok) return NULL;       \
  } while (0)

static napi_value throw_error(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

/* Reads argument i as a UTF-8 string into a malloc'd buffer (NULL and an exception on failure). */
static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: path must be a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s && napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    s = NULL;
  }
  if (s && strlen(s) != len) { /* an embedded NUL would name another file */
    free(s);
    throw_error(env, "ERR_INVALID_ARG_VALUE", "pageseal: path contains a NUL character");
    return NULL;
  }
  return s;
}

/*
 * Registrations made from this thread's JavaScript environment (one environment per thread in Node).
 * The key registry is process-wide, so when an environment ends (a worker returns, exits, or is
 * terminated, which runs no JavaScript) the registrations it still holds are dropped here; files that
 * are still open keep their own reference to the key until SQLite closes them.
 */
typedef struct {
  char **paths; /* one entry per registration not yet unregistered (a path may repeat) */
  size_t n, cap;
} env_regs;

static _Thread_local env_regs *tls_regs;

static int regs_add(const char *path) {
  env_regs *r = tls_regs;
  if (r == NULL) return 0;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    char **grown = realloc(r->paths, cap * sizeof *grown);
    if (grown == NULL) return -1;
    r->paths = grown;
    r->cap = cap;
  }
  char *copy = strdup(path);
  if (copy == NULL) return -1;
  r->paths[r->n++] = copy;
  return 0;
}

/* Takes one registration of `path` off this environment's list: 0 when it holds none. */
static int regs_remove(const char *path) {
  env_regs *r = tls_regs;
  for (size_t i = 0; r != NULL && i < r->n; i++) {
    if (strcmp(r->paths[i], path) == 0) {
      free(r->paths[i]);
      r->paths[i] = r->paths[--r->n];
      return 1;
    }
  }
  return 0;
}

static void regs_release_all(void *arg) {
  env_regs *r = arg;
  ps_keys_handoff_end(); /* a hand-off no open took (the environment ends in this thread) */
  ps_rekey_thread_end(); /* a key a rekey cut short had shared (napi_rekey.c) */
  for (size_t i = 0; i < r->n; i++) {
    ps_keys_unregister(r->paths[i]);
    free(r->paths[i]);
  }
  free(r->paths);
  if (tls_regs == r) tls_regs = NULL;
  free(r);
}

/* The path SQLite will hand to xOpen: the platform VFS's full pathname. */
static char *canonical(napi_env env, napi_value v) {
  sqlite3_vfs *root = ps_root_vfs();
  if (root == NULL) {
    throw_error(env, "PS_VFS_NOT_INSTALLED", "pageseal: the SQLite extension is not loaded");
    return NULL;
  }
  char *path = string_arg(env, v);
  if (path == NULL) return NULL;
  char *out = malloc((size_t)root->mxPathname + 1);
  int rc = out ? root->xFullPathname(root, path, root->mxPathname + 1, out) : SQLITE_NOMEM;
  free(path);
  if (rc != SQLITE_OK && rc != SQLITE_OK_SYMLINK) {
    free(out);
    throw_error(env, "PS_BAD_PATH", "pageseal: cannot resolve the database path");
    return NULL;
  }
  return out;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  CHECK(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v));
  return v;
}

static napi_value make_bool(napi_env env, int b) {
  napi_value v;
  CHECK(napi_get_boolean(env, b != 0, &v));
  return v;
}

/* An optional byte-array argument of exactly `want` bytes: 1 with *out set (NULL when null/undefined), 0 and an
 * exception otherwise. */
static int bytes_arg(napi_env env, napi_value v, size_t want, const uint8_t **out, size_t *len) {
  napi_valuetype t;
  *out = NULL;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_null || t == napi_undefined) return 1;
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  size_t n = 0;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, &n, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      (want && n != want)) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: expected a Uint8Array of the right size");
    return 0;
  }
  *out = data;
  if (len) *len = n;
  return 1;
}

static napi_value js_register_key(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_error(env, "ERR_MISSING_ARGS", "pageseal: registerKey(path, cipherId, key)");
  int32_t cipher = 0;
  if (napi_get_value_int32(env, argv[1], &cipher) != napi_ok || ps_cipher_key_size(cipher) == 0)
    return throw_error(env, "PS_UNKNOWN_CIPHER", "pageseal: unknown cipher id");
  bool is_typed = false;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_uint8_array)
    return throw_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: key must be a Uint8Array");
  if (len != ps_cipher_key_size(cipher))
    return throw_error(env, "PS_INVALID_KEY", "pageseal: key length does not match the cipher");
  const uint8_t *seal = NULL;
  if (argc > 3 && !bytes_arg(env, argv[3], PS_SEAL_BYTES, &seal, NULL)) return NULL;
  bool handoff = false;
  if (argc > 4 && napi_get_value_bool(env, argv[4], &handoff) != napi_ok) handoff = false;
  char *path = canonical(env, argv[0]);
  if (path == NULL) return NULL;
  int rc = ps_keys_register(path, cipher, data, len, seal);
  /* A handed-off registration belongs to the file that takes it (or is dropped by endHandoff, or when this
     environment ends); any other one to this environment until unregisterKey. */
  if (rc == PS_KEY_OK && (handoff ? ps_keys_handoff_set(path) : regs_add(path)) != 0) {
    ps_keys_unregister(path);
    rc = PS_KEY_NOMEM;
  }
  napi_value result = NULL;
  if (rc == PS_KEY_OK) result = make_string(env, path);
  else if (rc == PS_KEY_CONFLICT)
    throw_error(env, "PS_KEY_CONFLICT", "pageseal: a different key is already registered for this database");
  else if (rc == PS_KEY_BAD) throw_error(env, "PS_INVALID_KEY", "pageseal: the key cannot be used with this cipher");
  else throw_error(env, "PS_NOMEM", "pageseal: out of memory");
  free(path);
  return result;
}

static napi_value js_unregister_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_error(env, "ERR_MISSING_ARGS", "pageseal: unregisterKey(path)");
  char *path = canonical(env, argv[0]);
  if (path == NULL) return NULL;
  /* Only a registration this environment made (registerKey without handoff): one a connection's main file
     holds is its file's to drop at close, and taking it here would let another key register for a file
     that is still open (and that file's close would later drop a registration that is not its own).
     Without a list (this thread's environment already ended) registerKey kept none either. */
  int dropped = (tls_regs == NULL || regs_remove(path)) && ps_keys_unregister(path);
  free(path);
  return make_bool(env, dropped);
}

static napi_value js_end_handoff(napi_env env, napi_callback_info info) {
  int taken = ps_keys_handoff_end();
  int verified = ps_vfs_handoff_verified();
  napi_value v;
  CHECK(napi_create_int32(env, !taken ? 0 : verified ? 2 : 1, &v));
  return v;
}

static napi_value js_key_registration(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], obj, sealv;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_error(env, "ERR_MISSING_ARGS", "pageseal: keyRegistration(path)");
  char *path = canonical(env, argv[0]);
  if (path == NULL) return NULL;
  uint8_t seal[PS_SEAL_BYTES];
  int r = ps_keys_registered_seal(path, seal);
  free(path);
  if (r < 0) {
    CHECK(napi_get_null(env, &obj));
    return obj;
  }
  CHECK(napi_create_object(env, &obj));
  if (r == 1) {
    void *data;
    napi_value ab;
    CHECK(napi_create_arraybuffer(env, PS_SEAL_BYTES, &data, &ab));
    memcpy(data, seal, PS_SEAL_BYTES);
    CHECK(napi_create_typedarray(env, napi_uint8_array, PS_SEAL_BYTES, ab, 0, &sealv));
  } else {
    CHECK(napi_get_null(env, &sealv));
  }
  CHECK(napi_set_named_property(env, obj, "seal", sealv));
  return obj;
}

static napi_value js_canonical_path(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_error(env, "ERR_MISSING_ARGS", "pageseal: canonicalPath(path)");
  char *path = canonical(env, argv[0]);
  if (path == NULL) return NULL;
  napi_value v = make_string(env, path);
  free(path);
  return v;
}

static napi_value js_vfs_installed(napi_env env, napi_callback_info info) {
  return make_bool(env, ps_vfs_installed());
}

static int set_int(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_value v;
  return napi_create_int64(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

static napi_value js_last_failure(napi_env env, napi_callback_info info) {
  const char *path;
  uint32_t page;
  int kind = ps_failure_get(&path, &page);
  napi_value obj;
  if (kind == PS_FAIL_NONE) {
    CHECK(napi_get_null(env, &obj));
    return obj;
  }
  CHECK(napi_create_object(env, &obj));
  napi_value k = make_string(env, ps_failure_name(kind)), p = make_string(env, path);
  if (!k || !p || napi_set_named_property(env, obj, "kind", k) != napi_ok ||
      napi_set_named_property(env, obj, "path", p) != napi_ok || !set_int(env, obj, "page", page))
    return NULL;
  return obj;
}

static napi_value js_clear_last_failure(napi_env env, napi_callback_info info) {
  ps_failure_clear();
  return NULL;
}

static napi_value js_last_logged(napi_env env, napi_callback_info info) {
  return make_string(env, ps_failure_last_logged());
}

static napi_value js_vfs_stats(napi_env env, napi_callback_info info) {
  int registered, live;
  ps_keys_stats(&registered, &live);
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  if (!set_int(env, obj, "registeredPaths", registered) || !set_int(env, obj, "liveKeys", live) ||
      !set_int(env, obj, "encryptedTempFiles", ps_stat_temp_files()))
    return NULL;
  return obj;
}

/* ---- the VFS's page codec, for test vectors (a key made for one call, wiped after it) ---- */
typedef struct {
  ps_key *key;
  const uint8_t *page;
  size_t size;
  ps_bind bind;
  const uint8_t *nonce;
} codec_call;

static int codec_args(napi_env env, napi_callback_info info, codec_call *c) {
  size_t argc = 9;
  napi_value argv[9];
  int32_t cipher = 0;
  uint32_t pgno = 0, frame_no = 0;
  bool page1 = false;
  const uint8_t *key, *seal, *frame;
  size_t key_len = 0;
  memset(c, 0, sizeof *c);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < 8 || napi_get_value_int32(env, argv[0], &cipher) != napi_ok || ps_cipher_key_size(cipher) == 0 ||
      napi_get_value_uint32(env, argv[4], &pgno) != napi_ok || napi_get_value_bool(env, argv[5], &page1) != napi_ok ||
      napi_get_value_uint32(env, argv[7], &frame_no) != napi_ok) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: sealPage/openPage arguments");
    return 0;
  }
  if (!bytes_arg(env, argv[1], ps_cipher_key_size(cipher), &key, &key_len) || key == NULL ||
      !bytes_arg(env, argv[2], PS_SEAL_BYTES, &seal, NULL) || !bytes_arg(env, argv[3], 0, &c->page, &c->size) ||
      c->page == NULL || !ps_is_page_size((sqlite3_int64)c->size) || !bytes_arg(env, argv[6], 24, &frame, NULL) ||
      (argc > 8 && !bytes_arg(env, argv[8], ps_cipher_nonce_size(cipher), &c->nonce, NULL))) {
    if (c->page == NULL || key == NULL) throw_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: sealPage/openPage arguments");
    return 0;
  }
  c->bind = (ps_bind){pgno, page1, frame, frame_no};
  c->key = ps_key_standalone(cipher, key, key_len, seal);
  if (c->key == NULL) throw_error(env, "PS_INVALID_KEY", "pageseal: the key or seal cannot be used with this cipher");
  return c->key != NULL;
}

static napi_value page_result(napi_env env, const uint8_t *bytes, size_t n) {
  void *data;
  napi_value ab, out;
  CHECK(napi_create_arraybuffer(env, n, &data, &ab));
  memcpy(data, bytes, n);
  CHECK(napi_create_typedarray(env, napi_uint8_array, n, ab, 0, &out));
  return out;
}

static napi_value js_seal_page(napi_env env, napi_callback_info info) {
  codec_call c;
  if (!codec_args(env, info, &c)) return NULL;
  uint8_t *out = malloc(c.size);
  int bad = out ? ps_page_seal_with_nonce(c.key, c.page, out, (int)c.size, &c.bind, c.nonce) : -1;
  napi_value r = bad == 0 ? page_result(env, out, c.size) : throw_error(env, "PS_SEAL_FAILED", ps_failure_name(bad));
  free(out);
  ps_key_release(c.key);
  return r;
}

static napi_value js_open_page(napi_env env, napi_callback_info info) {
  codec_call c;
  if (!codec_args(env, info, &c)) return NULL;
  uint8_t *buf = malloc(c.size);
  napi_value r = NULL;
  if (buf == NULL) throw_error(env, "PS_NOMEM", "pageseal: out of memory");
  else {
    memcpy(buf, c.page, c.size);
    int bad = ps_page_open(c.key, buf, (int)c.size, &c.bind);
    if (bad == 0) r = page_result(env, buf, c.size);
    else r = make_string(env, ps_failure_name(bad));
    ps_wipe(buf, c.size);
    free(buf);
  }
  ps_key_release(c.key);
  return r;
}

napi_value ps_napi_vfs_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"registerKey", NULL, js_register_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unregisterKey", NULL, js_unregister_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"endHandoff", NULL, js_end_handoff, NULL, NULL, NULL, napi_enumerable, NULL},
      {"keyRegistration", NULL, js_key_registration, NULL, NULL, NULL, napi_enumerable, NULL},
      {"canonicalPath", NULL, js_canonical_path, NULL, NULL, NULL, napi_enumerable, NULL},
      {"vfsInstalled", NULL, js_vfs_installed, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lastFailure", NULL, js_last_failure, NULL, NULL, NULL, napi_enumerable, NULL},
      {"clearLastFailure", NULL, js_clear_last_failure, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lastLogged", NULL, js_last_logged, NULL, NULL, NULL, napi_enumerable, NULL},
      {"vfsStats", NULL, js_vfs_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sealPage", NULL, js_seal_page, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPage", NULL, js_open_page, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (tls_regs == NULL) {
    env_regs *r = calloc(1, sizeof *r);
    if (r == NULL || napi_add_env_cleanup_hook(env, regs_release_all, r) != napi_ok) {
      free(r);
      return throw_error(env, "PS_NOMEM", "pageseal: out of memory");
    }
    tls_regs = r;
  }
  return exports;
}
