/*
 * Temp files (sorter spills, temp tables, statement journals, VACUUM's transient copy) take writes of any
 * size at any offset, so they are encrypted with a keystream addressed by file offset: ChaCha20 with a
 * 64-bit block counter (block = offset / 64) under a random key and nonce made when the file opens and
 * wiped when it closes. Nothing written to a temp file outlives its handle, so the key never needs storing.
 */
#include <string.h>
#include "ps_vfs.h"

/* RFC 8439 section 2.3: the constant words "expand 32-byte k". */
static const uint32_t SIGMA[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

int ps_stream_init(ps_stream *s) {
  return ps_random_bytes((uint8_t *)s, sizeof *s) == 0 ? 0 : -1;
}

void ps_stream_wipe(ps_stream *s) { ps_wipe(s, sizeof *s); }

static void keystream_block(const ps_stream *s, uint64_t block, uint8_t out[64]) {
  uint32_t in[16];
  memcpy(in, SIGMA, sizeof SIGMA);
  memcpy(in + 4, s->key, sizeof s->key);
  in[12] = (uint32_t)block;
  in[13] = (uint32_t)(block >> 32);
  in[14] = s->nonce[0];
  in[15] = s->nonce[1];
  ps_chacha20_block(in, out);
  ps_wipe(in, sizeof in);
}

static int all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/*
 * XORs the keystream for file bytes [offset, offset+len) into buf, in runs that never cross a 16-byte
 * boundary of the file (so never a 64-byte keystream block). With keep_zero_runs, a whole aligned run of
 * 16 zero bytes read back from disk was never written (a hole, or space the platform VFS pre-extended) and
 * stays zero, as it would without encryption; written data gives such a run with probability 2^-128.
 */
static void xor_runs(const ps_stream *s, uint8_t *buf, size_t len, uint64_t offset, int keep_zero_runs) {
  uint8_t ks[64];
  uint64_t have = UINT64_MAX;
  for (size_t i = 0; i < len;) {
    uint64_t pos = offset + i;
    size_t run = 16 - (size_t)(pos % 16);
    if (run > len - i) run = len - i;
    if (!(keep_zero_runs && run == 16 && all_zero(buf + i, 16))) {
      if (pos / 64 != have) keystream_block(s, have = pos / 64, ks);
      for (size_t j = 0; j < run; j++) buf[i + j] ^= ks[pos % 64 + j];
    }
    i += run;
  }
  ps_wipe(ks, sizeof ks);
}

void ps_stream_xor(const ps_stream *s, uint8_t *buf, size_t len, uint64_t offset) {
  xor_runs(s, buf, len, offset, 0);
}

void ps_stream_xor_nonzero(const ps_stream *s, uint8_t *buf, size_t len, uint64_t offset) {
  xor_runs(s, buf, len, offset, 1);
}
