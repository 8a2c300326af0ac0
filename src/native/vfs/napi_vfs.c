/*
 * The Node-API face of the VFS shim: JavaScript registers keys and reads failure details here;
 * no JavaScript ever runs per page (see ../shared/vfs-notes.md). Functions are added as the shim grows.
 */
#include <node_api.h>

napi_value ps_napi_vfs_init(napi_env env, napi_value exports) { return exports; }
