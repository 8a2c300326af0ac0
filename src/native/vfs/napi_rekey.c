/*
 * What a key change needs from the VFS (src/rekey, docs/rekey.md):
 *   openMainFiles(path) -> number       connections of this process with the file open (any key source)
 *   rekeyTarget(path) -> cipherId       picks the only open main file of `path` as the one to rebind
 *                                       (0: plain); throws unless exactly one is open, and while another
 *                                       rekey of this thread is running (PS_REKEY_RUNNING)
 *   rekeyShareKey(share) -> boolean     share=true: registers the target's key for its path when it came
 *                                       from PRAGMA (so the copy connection can read the old file), true
 *                                       if it did; share=false: drops that registration again
 *   rekeyDisown()                       the target drops the key registration it holds (its old key), so
 *                                       the new key can be registered for the path before rekeyRebind
 *   rekeyRebind([cipherId, key, seal])  rebinds the target to the file now at its path (rekey.c), taking
 *                                       the registration handed off by registerKey(..., true); with a key,
 *                                       takes that key without a registration (the new key could not be
 *                                       registered: another connection still holds the old one's)
 *   rekeyForget()                       drops the target (and a key shared by rekeyShareKey)
 *   rekeyTargetLocked()                 true while the target holds a lock on its file: out of WAL mode and
 *                                       outside a transaction, a statement of that connection is still active
 *   requestReserve(path, n)             the reserve the newest connection on `path` asks for in its next
 *                                       VACUUM (INTO): how a plain file is rebuilt for a cipher
 *   rekeyProgress(path, total, pageSize, fn|null) calls fn(pages) as the newest connection on `path`
 *                                       writes its file (every 1% of `total`); null stops it
 * The target is per thread: each Node environment rekeys its own connections.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

static _Thread_local ps_file *target;
static _Thread_local char *shared_path; /* registered by rekeyShareKey, unregistered by rekeyForget */

static napi_value fail(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

/* The canonical path of argument 0 (malloc'd), or NULL with an exception pending. */
static char *path_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  sqlite3_vfs *root = ps_root_vfs();
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || root == NULL) {
    fail(env, "PS_VFS_NOT_INSTALLED", "pageseal: a path and the installed VFS are needed");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: path must be a string");
    return NULL;
  }
  char *path = malloc(len + 1), *full = malloc((size_t)root->mxPathname + 1);
  int ok = path && full && napi_get_value_string_utf8(env, argv[0], path, len + 1, &len) == napi_ok && strlen(path) == len;
  if (ok) {
    int rc = root->xFullPathname(root, path, root->mxPathname + 1, full);
    ok = rc == SQLITE_OK || rc == SQLITE_OK_SYMLINK;
  }
  free(path);
  if (!ok) {
    free(full);
    fail(env, "PS_BAD_PATH", "pageseal: cannot resolve the database path");
    return NULL;
  }
  return full;
}

static napi_value int_value(napi_env env, int n) {
  napi_value v;
  return napi_create_int32(env, n, &v) == napi_ok ? v : NULL;
}

static napi_value js_open_main_files(napi_env env, napi_callback_info info) {
  char *path = path_arg(env, info);
  if (path == NULL) return NULL;
  int n = ps_mains_count(path, NULL);
  free(path);
  return int_value(env, n);
}

static void unshare(void) {
  if (shared_path) {
    ps_keys_unregister(shared_path);
    free(shared_path);
    shared_path = NULL;
  }
}

static void forget(void) {
  unshare();
  target = NULL;
}

/* The thread's environment ends (napi_vfs.c): a rekey cut short there (a terminated worker runs no
   finally block) must not leave its shared key registered for the life of the process. */
void ps_rekey_thread_end(void) { forget(); }

static napi_value js_rekey_target(napi_env env, napi_callback_info info) {
  char *path = path_arg(env, info);
  if (path == NULL) return NULL;
  /* A rekey of this thread still running (db.rekey() called from the onProgress of another): refused
     before anything of it is touched, or its connection could not follow its file after the rename. */
  if (target != NULL && ps_mains_contains(target)) {
    free(path);
    return fail(env, "PS_REKEY_RUNNING", "pageseal: another rekey is running in this thread");
  }
  ps_file *f = NULL;
  int n = ps_mains_count(path, &f);
  free(path);
  forget();
  if (n != 1) return fail(env, "PS_REKEY_SHARED", "pageseal: the database must be open by exactly one connection of this process");
  target = f;
  ps_key *k = f->key;
  return int_value(env, k ? k->cipher : 0);
}

static ps_file *live_target(napi_env env) {
  if (target == NULL || !ps_mains_contains(target)) {
    target = NULL;
    fail(env, "PS_REKEY_NO_TARGET", "pageseal: the connection to rekey is no longer open");
    return NULL;
  }
  return target;
}

static napi_value js_rekey_share_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], v;
  bool share = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_bool(env, argv[0], &share) != napi_ok) share = false;
  if (!share) {
    unshare();
    return napi_get_boolean(env, false, &v) == napi_ok ? v : NULL;
  }
  ps_file *f = live_target(env);
  if (f == NULL) return NULL;
  ps_key *reg = ps_keys_acquire(f->name);
  int shared = 0;
  if (reg) {
    ps_key_release(reg);
  } else if (f->key && shared_path == NULL) {
    shared_path = strdup(f->name);
    if (shared_path == NULL) return fail(env, "PS_NOMEM", "pageseal: out of memory");
    uint8_t seal[PS_SEAL_BYTES]; /* pageseal's format: the same prefix and database id */
    memcpy(seal, f->key->prefix, 16);
    memcpy(seal + 16, f->key->dbid, 16);
    int rc = ps_keys_register(f->name, f->key->cipher, f->key->raw, f->key->key_len,
                              f->key->format == PS_FORMAT_PAGESEAL ? seal : NULL);
    if (rc != PS_KEY_OK) {
      free(shared_path);
      shared_path = NULL;
      return fail(env, "PS_KEY_CONFLICT", "pageseal: cannot share the connection's key with the copy");
    }
    shared = 1;
  }
  return napi_get_boolean(env, shared, &v) == napi_ok ? v : NULL;
}

/*
 * The key the target takes without a registration: (cipherId, key, seal|null) from JavaScript, when the new
 * key could not be registered for the path (a connection that opened the old file meanwhile still holds a
 * registration of the old key there). NULL with an exception pending when the arguments are not a key.
 */
static ps_key *given_key(napi_env env, napi_value *argv, size_t argc) {
  int32_t cipher = 0;
  bool typed = false;
  napi_typedarray_type type;
  void *key = NULL, *seal = NULL;
  size_t len = 0, seal_len = 0;
  napi_valuetype t = napi_undefined;
  int ok = napi_get_value_int32(env, argv[0], &cipher) == napi_ok && napi_is_typedarray(env, argv[1], &typed) == napi_ok &&
           typed && napi_get_typedarray_info(env, argv[1], &type, &len, &key, NULL, NULL) == napi_ok && type == napi_uint8_array;
  if (ok && argc > 2 && napi_typeof(env, argv[2], &t) == napi_ok && t != napi_null && t != napi_undefined) {
    ok = napi_is_typedarray(env, argv[2], &typed) == napi_ok && typed &&
         napi_get_typedarray_info(env, argv[2], &type, &seal_len, &seal, NULL, NULL) == napi_ok && type == napi_uint8_array &&
         seal_len == PS_SEAL_BYTES;
  }
  ps_key *k = ok ? ps_key_standalone(cipher, key, len, seal) : NULL;
  if (k == NULL) fail(env, "PS_INVALID_KEY", "pageseal: rekeyRebind(cipherId, key, seal|null) needs a valid key");
  return k;
}

static napi_value js_rekey_rebind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  ps_file *f = live_target(env);
  if (f == NULL) return NULL;
  ps_key *given = NULL;
  if (argc >= 2 && (given = given_key(env, argv, argc)) == NULL) return NULL;
  int rc = ps_rekey_rebind(f, given);
  if (rc != SQLITE_OK) {
    ps_key_release(given);
    return fail(env, "PS_REKEY_REBIND", "pageseal: the connection could not be moved to the re-keyed file");
  }
  return NULL;
}

static napi_value js_rekey_disown(napi_env env, napi_callback_info info) {
  ps_file *f = live_target(env);
  if (f == NULL) return NULL;
  ps_rekey_disown(f);
  return NULL;
}

static napi_value js_rekey_target_locked(napi_env env, napi_callback_info info) {
  ps_file *f = live_target(env);
  napi_value v;
  if (f == NULL) return NULL;
  return napi_get_boolean(env, f->lock_level != SQLITE_LOCK_NONE, &v) == napi_ok ? v : NULL;
}

static napi_value js_rekey_forget(napi_env env, napi_callback_info info) {
  forget();
  return NULL;
}

static napi_value js_request_reserve(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t n = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || napi_get_value_int32(env, argv[1], &n) != napi_ok || n < 0 || n > 255)
    return fail(env, "ERR_INVALID_ARG_VALUE", "pageseal: requestReserve(path, 0..255)");
  char *path = path_arg(env, info);
  if (path == NULL) return NULL;
  ps_file *f = NULL;
  int count = ps_mains_count(path, &f);
  free(path);
  if (count == 0 || f->db == NULL) return fail(env, "PS_REKEY_NO_TARGET", "pageseal: no open connection on that path");
  ps_rekey_request_reserve(f, n);
  return NULL;
}

/*
 * Progress of a copy: better-sqlite3's SQLite is built without progress handlers, so the VFS reports
 * the pages written to the copy (x_write calls ps_rekey_on_write). One per thread: the copy's
 * statements run on the thread that asked for it.
 */
typedef struct {
  napi_env env;
  napi_ref fn;
  ps_file *file;
  sqlite3_int64 page_size, step, next, high; /* in pages */
} progress_state;
static _Thread_local progress_state progress;

void ps_rekey_on_write(ps_file *f, sqlite3_int64 end) {
  progress_state *p = &progress;
  if (p->file != f || f == NULL) return;
  sqlite3_int64 pages = end / p->page_size;
  if (pages > p->high) p->high = pages;
  if (p->high < p->next) return;
  p->next = p->high + p->step;
  napi_handle_scope scope;
  if (napi_open_handle_scope(p->env, &scope) != napi_ok) return;
  napi_value fn, global, arg0, result;
  if (napi_get_reference_value(p->env, p->fn, &fn) == napi_ok && fn != NULL && napi_get_global(p->env, &global) == napi_ok &&
      napi_create_int64(p->env, p->high, &arg0) == napi_ok &&
      napi_call_function(p->env, global, fn, 1, &arg0, &result) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(p->env, &ignored); /* a failing callback does not stop the copy */
  }
  napi_close_handle_scope(p->env, scope);
}

static void progress_off(void) {
  if (progress.fn) napi_delete_reference(progress.env, progress.fn);
  memset(&progress, 0, sizeof progress);
}

static napi_value js_rekey_progress(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  progress_off();
  napi_valuetype t = napi_undefined;
  if (argc < 4 || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function) return NULL;
  int64_t total = 0, page_size = 0;
  if (napi_get_value_int64(env, argv[1], &total) != napi_ok) total = 0;
  if (napi_get_value_int64(env, argv[2], &page_size) != napi_ok || page_size < 512) return fail(env, "ERR_INVALID_ARG_VALUE", "pageseal: page size");
  char *path = path_arg(env, info);
  if (path == NULL) return NULL;
  ps_file *f = NULL;
  int count = ps_mains_count(path, &f);
  free(path);
  if (count == 0) return fail(env, "PS_REKEY_NO_TARGET", "pageseal: no open connection on that path");
  if (napi_create_reference(env, argv[3], 1, &progress.fn) != napi_ok) return NULL;
  progress.page_size = page_size;
  progress.env = env;
  progress.file = f;
  progress.step = total > 100 ? total / 100 : 1;
  progress.next = progress.step;
  return NULL;
}

napi_value ps_napi_rekey_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openMainFiles", NULL, js_open_main_files, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyTarget", NULL, js_rekey_target, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyShareKey", NULL, js_rekey_share_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyDisown", NULL, js_rekey_disown, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyRebind", NULL, js_rekey_rebind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyForget", NULL, js_rekey_forget, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyTargetLocked", NULL, js_rekey_target_locked, NULL, NULL, NULL, napi_enumerable, NULL},
      {"requestReserve", NULL, js_request_reserve, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rekeyProgress", NULL, js_rekey_progress, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
