/*
 * The Node-API face of pageseal.node. The same shared object is also a SQLite loadable extension
 * (entry point in vfs/extension.c). Each part registers its own functions on `exports`.
 */
#include <node_api.h>

napi_value ps_napi_ciphers_init(napi_env env, napi_value exports); /* ciphers/napi_ciphers.c */
napi_value ps_napi_vfs_init(napi_env env, napi_value exports);     /* vfs/napi_vfs.c */
napi_value ps_napi_rekey_init(napi_env env, napi_value exports);   /* vfs/napi_rekey.c */
napi_value ps_napi_stat_init(napi_env env, napi_value exports);    /* napi_stat.c */
napi_value ps_napi_tools_init(napi_env env, napi_value exports);   /* tools/napi_writeback.c */

static napi_value init(napi_env env, napi_value exports) {
  exports = ps_napi_ciphers_init(env, exports);
  if (exports == NULL) return NULL;
  exports = ps_napi_vfs_init(env, exports);
  if (exports == NULL) return NULL;
  exports = ps_napi_rekey_init(env, exports);
  if (exports == NULL) return NULL;
  exports = ps_napi_stat_init(env, exports);
  if (exports == NULL) return NULL;
  return ps_napi_tools_init(env, exports);
}

NAPI_MODULE_INIT() { return init(env, exports); }
