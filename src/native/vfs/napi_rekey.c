/*
 * What a key change needs from the VFS (src/rekey): how many connections of this process have a
 * database file open, through any path that names it, whether their key came from the API or from
 * PRAGMA. A rekey refuses before changing anything while another one does (docs/rekey.md).
 *   openMainFiles(path) -> number
 */
#include <node_api.h>
#include <stdlib.h>
#include "ps_vfs.h"

static napi_value js_open_main_files(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  sqlite3_vfs *root = ps_root_vfs();
  if (argc < 1 || root == NULL) {
    napi_throw_error(env, "PS_VFS_NOT_INSTALLED", "pageseal: openMainFiles(path) needs the installed VFS");
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pageseal: path must be a string");
    return NULL;
  }
  char *path = malloc(len + 1), *full = malloc((size_t)root->mxPathname + 1);
  int n = -1;
  if (path && full && napi_get_value_string_utf8(env, argv[0], path, len + 1, &len) == napi_ok) {
    int rc = root->xFullPathname(root, path, root->mxPathname + 1, full);
    if (rc == SQLITE_OK || rc == SQLITE_OK_SYMLINK) n = ps_mains_count(full);
  }
  free(path);
  free(full);
  if (n < 0) {
    napi_throw_error(env, "PS_BAD_PATH", "pageseal: cannot resolve the database path");
    return NULL;
  }
  if (napi_create_int32(env, n, &out) != napi_ok) return NULL;
  return out;
}

napi_value ps_napi_rekey_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openMainFiles", NULL, js_open_main_files, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 1, props) != napi_ok) return NULL;
  return exports;
}
