/*
 * Temp files: every byte passes through the per-file keystream (tempcrypt.c). Writes are encrypted in
 * chunks through the file's scratch buffer; reads are decrypted in SQLite's buffer. After a short read the
 * platform VFS has zero-filled the rest, and only the bytes that exist are decrypted.
 */
#include <string.h>
#include "ps_vfs.h"

#define CHUNK 65536

int ps_temp_write(ps_file *f, const uint8_t *buf, int n, sqlite3_int64 off) {
  uint8_t *out = ps_file_scratch(f, n < CHUNK ? (size_t)n : CHUNK);
  if (out == NULL) return SQLITE_IOERR_NOMEM;
  for (int done = 0; done < n;) {
    int len = n - done < CHUNK ? n - done : CHUNK;
    memcpy(out, buf + done, (size_t)len);
    ps_stream_xor(f->stream, out, (size_t)len, (uint64_t)(off + done));
    int rc = ps_root_write(f, out, len, off + done);
    if (rc != SQLITE_OK) return rc;
    done += len;
  }
  return SQLITE_OK;
}

int ps_temp_read(ps_file *f, uint8_t *buf, int n, sqlite3_int64 off) {
  int rc = ps_root_read(f, buf, n, off);
  sqlite3_int64 valid = n;
  if (rc == SQLITE_IOERR_SHORT_READ) {
    sqlite3_int64 size = 0;
    if (f->root->pMethods->xFileSize(f->root, &size) != SQLITE_OK) size = off;
    valid = size <= off ? 0 : (size - off < n ? size - off : n);
  } else if (rc != SQLITE_OK) {
    return rc;
  }
  ps_stream_xor_nonzero(f->stream, buf, (size_t)valid, (uint64_t)off);
  return rc;
}
