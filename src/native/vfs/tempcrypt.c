/*
 * Temp files (sorter spills, temp tables, statement journals, VACUUM's transient copy) take writes of any
 * size at any offset, so they are encrypted with a keystream addressed by file offset: ChaCha20 with a
 * 64-bit block counter (block = offset / 64) under a random key and nonce made when the file opens and
 * wiped when it closes. A temp file can be rewritten in place many times while it is open (a temp table
 * lives as long as its connection), and two versions of a region under one keystream would XOR to the XOR
 * of their plaintexts; so each write of a region uses a fresh keystream: the region's write counter (its
 * generation, kept in memory by tempfile.c) is folded into the nonce. (block, generation) never repeats
 * for one key. The key never needs storing: nothing written to a temp file outlives its handle.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

/* RFC 8439 section 2.3: the constant words "expand 32-byte k". */
static const uint32_t SIGMA[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

int ps_stream_init(ps_stream *s) {
  memset(s, 0, sizeof *s);
  if (ps_random_bytes((uint8_t *)s->key, sizeof s->key) != 0) return -1;
  return ps_random_bytes((uint8_t *)s->nonce, sizeof s->nonce) == 0 ? 0 : -1;
}

void ps_stream_wipe(ps_stream *s) {
  free(s->gen);
  free(s->len);
  ps_wipe(s, sizeof *s);
}

/* Nonce word 0 is XORed with the generation: distinct generations give distinct nonces. */
static void keystream_block(const ps_stream *s, uint64_t block, uint32_t gen, uint8_t out[64]) {
  uint32_t in[16];
  memcpy(in, SIGMA, sizeof SIGMA);
  memcpy(in + 4, s->key, sizeof s->key);
  in[12] = (uint32_t)block;
  in[13] = (uint32_t)(block >> 32);
  in[14] = s->nonce[0] ^ gen;
  in[15] = s->nonce[1];
  ps_chacha20_block(in, out);
  ps_wipe(in, sizeof in);
}

/* XORs the keystream of generation gen for file bytes [offset, offset+len) into buf. */
void ps_stream_xor(const ps_stream *s, uint8_t *buf, size_t len, uint64_t offset, uint32_t gen) {
  uint8_t ks[64];
  for (size_t i = 0; i < len;) {
    uint64_t pos = offset + i;
    size_t at = (size_t)(pos % 64), run = 64 - at;
    if (run > len - i) run = len - i;
    keystream_block(s, pos / 64, gen, ks);
    for (size_t j = 0; j < run; j++) buf[i + j] ^= ks[at + j];
    i += run;
  }
  ps_wipe(ks, sizeof ks);
}
