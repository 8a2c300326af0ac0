/*
 * Tells JavaScript when an object was garbage-collected, without a JavaScript FinalizationRegistry.
 *   onCollected(handler) -> id        registers a handler for this thread, called as handler(token)
 *   watchCollected(obj, token, id)    after obj is collected, calls handler id with token (an integer
 *                                     below 2^48, so a caller counting opens never reuses one)
 *   unwatchCollected(obj)             drops the watch (nothing runs when obj is collected later)
 *
 * Why not a FinalizationRegistry: V8's young-generation collector keeps WeakCells and what they point to,
 * so registering every Database (and unregistering it on close) made V8 promote more per open/close
 * cycle and grow its young generation: several MiB of RSS over 20,000 cycles that plain better-sqlite3
 * does not show (bench/open-close.ts). A Node-API finalizer is a weak handle, which a young collection
 * clears like better-sqlite3's own wrappers. A watch allocates nothing of ours: the handler id and the
 * token ride in the wrap's data pointer (64-bit platforms only, as the addon). Node runs the
 * finalizers from its event loop after the collection, where calling JavaScript is allowed. Each copy of
 * the JavaScript module in a thread has its own handler; when the thread's environment ends, the
 * handlers are dropped first and finalizers that still run do nothing.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

_Static_assert(sizeof(void *) >= 8, "the token and handler id share a pointer");
#define TOKEN_BITS 48
#define MAX_HANDLERS (1u << (64 - TOKEN_BITS))
#define TOKEN_MASK ((UINT64_C(1) << TOKEN_BITS) - 1)

typedef struct {
  napi_ref *fns;
  uint32_t n;
} handlers;

static _Thread_local handlers *tls_handlers; /* one JavaScript environment per thread in Node */

static void drop_handlers(void *arg) {
  handlers *h = tls_handlers;
  tls_handlers = NULL;
  if (h == NULL) return;
  for (uint32_t i = 0; i < h->n; i++) napi_delete_reference((napi_env)arg, h->fns[i]);
  free(h->fns);
  free(h);
}

static void collected(napi_env env, void *data, void *hint) {
  uint64_t v = (uint64_t)(uintptr_t)data;
  uint32_t id = (uint32_t)(v >> TOKEN_BITS);
  handlers *h = tls_handlers;
  napi_value fn, recv, token;
  if (h == NULL || id >= h->n || napi_get_reference_value(env, h->fns[id], &fn) != napi_ok || fn == NULL) return;
  if (napi_get_undefined(env, &recv) != napi_ok || napi_create_int64(env, (int64_t)(v & TOKEN_MASK), &token) != napi_ok) return;
  napi_call_function(env, recv, fn, 1, &token, NULL); /* the handler catches its own errors */
}

static napi_value js_on_collected(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn, out;
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, &fn, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_typeof(env, fn, &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: onCollected needs a function");
    return NULL;
  }
  if (tls_handlers == NULL) {
    handlers *h = calloc(1, sizeof *h);
    if (h == NULL || napi_add_env_cleanup_hook(env, drop_handlers, env) != napi_ok) {
      free(h);
      napi_throw_error(env, "PS_NOMEM", "pageseal: out of memory");
      return NULL;
    }
    tls_handlers = h;
  }
  handlers *h = tls_handlers;
  if (h->n >= MAX_HANDLERS) {
    napi_throw_error(env, "PS_NOMEM", "pageseal: too many collection handlers");
    return NULL;
  }
  napi_ref *grown = realloc(h->fns, (h->n + 1) * sizeof *grown);
  if (grown == NULL) {
    napi_throw_error(env, "PS_NOMEM", "pageseal: out of memory");
    return NULL;
  }
  h->fns = grown;
  if (napi_create_reference(env, fn, 1, &h->fns[h->n]) != napi_ok) return NULL;
  if (napi_create_uint32(env, h->n++, &out) != napi_ok) return NULL;
  return out;
}

static napi_value js_watch_collected(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_valuetype t;
  int64_t token;
  uint32_t id;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object ||
      napi_get_value_int64(env, argv[1], &token) != napi_ok || token < 0 || (uint64_t)token > TOKEN_MASK || napi_get_value_uint32(env, argv[2], &id) != napi_ok ||
      tls_handlers == NULL || id >= tls_handlers->n) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: watchCollected(object, token, handler id from onCollected)");
    return NULL;
  }
  void *data = (void *)(uintptr_t)(((uint64_t)id << TOKEN_BITS) | (uint64_t)token);
  /* A wrap, not napi_add_finalizer: napi_remove_wrap can take it back, so a closed connection leaves no
     finalizer queued behind it (a loop of opens that never yields to the event loop would pile them up). */
  if (napi_wrap(env, argv[0], data, collected, NULL, NULL) != napi_ok) {
    napi_throw_error(env, "PS_WATCHED", "pageseal: the object is already watched (or wrapped)");
  }
  return NULL;
}

static napi_value js_unwatch_collected(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value obj;
  napi_valuetype t;
  void *data;
  if (napi_get_cb_info(env, info, &argc, &obj, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_typeof(env, obj, &t) != napi_ok || t != napi_object) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: unwatchCollected(object)");
    return NULL;
  }
  napi_value out;
  napi_get_boolean(env, napi_remove_wrap(env, obj, &data) == napi_ok, &out);
  return out;
}

napi_value ps_napi_collect_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"onCollected", NULL, js_on_collected, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watchCollected", NULL, js_watch_collected, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatchCollected", NULL, js_unwatch_collected, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
