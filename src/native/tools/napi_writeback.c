/*
 * writeBehind(fd, offset, length, settle) -> 0 | -1 | errno: write-behind for the offline tools' output
 * files (src/tools/write-behind.ts explains why and the figures).
 *   settle = false: starts writing [offset, offset+length) to the device now (sync_file_range, WRITE),
 *                   instead of leaving it dirty in the page cache until the final fsync.
 *   settle = true:  waits until that range is written (WAIT_BEFORE | WRITE | WAIT_AFTER), then drops its
 *                   pages from the page cache (posix_fadvise DONTNEED), so later writes reuse that memory.
 * Returns 0 when done, -1 where there is no such call (not Linux), else the error number, for the caller
 * to judge (src/tools/write-behind.ts): an error of a settle may be a write-back error the kernel will not
 * report again to this file (so fsync would not see it); one of a start (which only queues writes) never is.
 * Durability is unchanged: the caller still fsyncs the whole file before renaming it into place.
 */
#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#endif
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <node_api.h>

static int write_behind_range(int fd, int64_t offset, int64_t length, bool settle) {
#ifdef __linux__
  unsigned flags = settle ? SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER : SYNC_FILE_RANGE_WRITE;
  int rc;
  do {
    rc = sync_file_range(fd, (off_t)offset, (off_t)length, flags);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return errno;
  if (settle) (void)posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED); /* advice: clean pages only */
  return 0;
#else
  (void)fd, (void)offset, (void)length, (void)settle;
  return -1;
#endif
}

static napi_value bad_args(napi_env env) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "writeBehind(fd, offset, length, settle): an fd, two non-negative integers and a boolean");
  return NULL;
}

static napi_value write_behind(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], out;
  int32_t fd;
  int64_t offset, length;
  bool settle;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) return bad_args(env);
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok || napi_get_value_bool(env, argv[3], &settle) != napi_ok)
    return bad_args(env);
  if (fd < 0 || offset < 0 || length <= 0 || offset > INT64_MAX - length) return bad_args(env);
  if (napi_create_int32(env, write_behind_range(fd, offset, length, settle), &out) != napi_ok) return NULL;
  return out;
}

napi_value ps_napi_tools_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"writeBehind", NULL, write_behind, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
