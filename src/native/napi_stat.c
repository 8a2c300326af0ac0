/*
 * statInto(path, out) -> kind: one stat(2) for the open path, without the Stats object (and its four Date
 * objects) that fs.statSync builds: about half of a statSync's cost on Node 20, and open() makes two per
 * connection (the header sniff's identity check, and the -wal size at close).
 *   kind: 0 missing or unreadable, 1 regular file, 2 directory, 3 anything else (FIFO, device, socket)
 *   out:  a Float64Array of 7: size, dev, ino, mtime seconds, mtime nanoseconds, ctime seconds, ctime
 *         nanoseconds (written only for kinds 1 to 3; integers below 2^53 on any real file system)
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define OUT_LEN 7

#if defined(__APPLE__)
#define MTIME(st) (st).st_mtimespec
#define CTIME(st) (st).st_ctimespec
#else
#define MTIME(st) (st).st_mtim
#define CTIME(st) (st).st_ctim
#endif

static napi_value js_stat_into(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2], result;
  bool typed = false;
  napi_typedarray_type type;
  size_t n = 0;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok ||
      napi_is_typedarray(env, argv[1], &typed) != napi_ok || !typed ||
      napi_get_typedarray_info(env, argv[1], &type, &n, &data, NULL, NULL) != napi_ok || type != napi_float64_array ||
      n < OUT_LEN) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: statInto(path, Float64Array(7))");
    return NULL;
  }
  char stack[512], *path = len < sizeof stack ? stack : malloc(len + 1);
  if (path == NULL || napi_get_value_string_utf8(env, argv[0], path, len + 1, &len) != napi_ok) {
    if (path != stack) free(path);
    napi_throw_error(env, "PS_NOMEM", "pageseal: out of memory");
    return NULL;
  }
  struct stat st;
  int kind = 0;
  if (strlen(path) == len && stat(path, &st) == 0) { /* an embedded NUL names no file */
    kind = S_ISREG(st.st_mode) ? 1 : S_ISDIR(st.st_mode) ? 2 : 3;
    double *out = data;
    out[0] = (double)st.st_size;
    out[1] = (double)st.st_dev;
    out[2] = (double)st.st_ino;
    out[3] = (double)MTIME(st).tv_sec;
    out[4] = (double)MTIME(st).tv_nsec;
    out[5] = (double)CTIME(st).tv_sec;
    out[6] = (double)CTIME(st).tv_nsec;
  }
  if (path != stack) free(path);
  if (napi_create_int32(env, kind, &result) != napi_ok) return NULL;
  return result;
}

napi_value ps_napi_stat_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"statInto", NULL, js_stat_into, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 1, props) != napi_ok) return NULL;
  return exports;
}
