/*
 * The WAL's first frame, read before SQLite opens the log (guard.c), and SQLite's WAL checksum.
 * Frame checksums on disk cover the stored (encrypted) pages, as Turso writes them; walsum.c translates
 * them to and from the plaintext chain SQLite computes, so a Turso-written -wal needs no fold.
 *
 * Checksum facts from SQLite's WAL file format (fileformat2.html, "Checksum Algorithm"): over 32-bit
 * words taken in pairs, s0 += x[i] + s1; s1 += x[i+1] + s0; words are big-endian when the header magic is
 * 0x377f0683 and little-endian when it is 0x377f0682. The header checksum covers header bytes 0..23; a
 * frame's covers its header bytes 0..7 then the page, continuing from the previous checksum (the header's
 * for the first frame). The salt (header bytes 16..23) is repeated in frame header bytes 8..15.
 */
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

static uint32_t word(const uint8_t *p, int big) {
  return big ? ps_be32(p) : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

void ps_wal_checksum(const uint8_t *p, size_t n, int big, uint32_t s[2]) {
  for (size_t i = 0; i + 8 <= n; i += 8) {
    s[0] += word(p + i, big) + s[1];
    s[1] += word(p + i + 4, big) + s[0];
  }
}

/* Reads the WAL header and its first frame (header + page); NULL when there is no complete frame. */
static uint8_t *read_first_frame(sqlite3_file *root, uint8_t hdr[32], uint32_t *page_size) {
  sqlite3_int64 size = 0;
  if (root->pMethods->xFileSize(root, &size) != SQLITE_OK || size < 32 + 24 + 512) return NULL;
  if (root->pMethods->xRead(root, hdr, 32, 0) != SQLITE_OK) return NULL;
  *page_size = ps_be32(hdr + 8);
  if ((ps_be32(hdr) & ~1u) != 0x377f0682u || !ps_is_page_size(*page_size) ||
      size < 32 + 24 + (sqlite3_int64)*page_size)
    return NULL;
  uint8_t *frame = malloc(24 + (size_t)*page_size);
  if (frame && root->pMethods->xRead(root, frame, 24 + (int)*page_size, 32) != SQLITE_OK) {
    free(frame);
    frame = NULL;
  }
  return frame;
}

/* Decrypts the WAL's first frame with k: -1 when it has no frame of its header's generation (salts), else
 * 0 or the failure (PS_FAIL_*). */
static int first_frame_decrypts(sqlite3_file *root, const ps_key *k) {
  uint8_t hdr[32];
  uint32_t page_size = 0;
  uint8_t *frame = read_first_frame(root, hdr, &page_size);
  int r = -1;
  if (frame && memcmp(hdr + 16, frame + 8, 8) == 0) {
    ps_bind b = {ps_be32(frame), ps_be32(frame) == 1, frame, 1};
    r = ps_page_open(k, frame + 24, (int)page_size, &b);
  }
  if (frame) {
    ps_wipe(frame, 24 + (size_t)page_size);
    free(frame);
  }
  return r;
}

/* 0 when the WAL has no valid first frame or its page opens with k; else the failure (PS_FAIL_*). */
int ps_wal_first_frame_opens(sqlite3_file *root, const ps_key *k) {
  int r = first_frame_decrypts(root, k);
  return r < 0 ? 0 : r;
}

/* 1 when the WAL's first frame decrypts with k: the key is right (an AEAD tag cannot be met without it). */
int ps_wal_first_frame_proves_key(sqlite3_file *root, const ps_key *k) { return first_frame_decrypts(root, k) == 0; }
