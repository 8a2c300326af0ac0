/*
 * Reading the OS CSPRNG (ps_wipe is inline in ps_aead.h): getrandom(2) on Linux, getentropy(2) on macOS and the
 * BSDs (at most 256 bytes per call), BCryptGenRandom on Windows (the cipher core only: the VFS is not ported). Both block until the pool is seeded and fail instead of returning weak bytes,
 * so a failure here fails closed (the callers refuse to write). Other systems do not build. Defining
 * PS_RANDOM_GETENTROPY selects getentropy on Linux too (glibc 2.25+), so the non-Linux code runs in tests
 * (scripts/test-arm64.mjs builds the gcc harness that way).
 */
#include <errno.h>
#include <string.h>
#include "ps_aead.h"

#if defined(__linux__) && !defined(PS_RANDOM_GETENTROPY)
#include <sys/random.h>

int ps_random_bytes(uint8_t *buf, size_t len) {
  while (len > 0) {
    ssize_t r = getrandom(buf, len, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += r;
    len -= (size_t)r;
  }
  return 0;
}

#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || defined(__linux__)
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/random.h> /* getentropy (macOS 10.12 and later) */
#endif

int ps_random_bytes(uint8_t *buf, size_t len) {
  while (len > 0) {
    size_t n = len < 256 ? len : 256; /* getentropy's limit per call */
    if (getentropy(buf, n) != 0) return -1;
    buf += n;
    len -= n;
  }
  return 0;
}

#elif defined(_WIN32)
#include <windows.h>
#include <bcrypt.h> /* link with bcrypt.lib */

int ps_random_bytes(uint8_t *buf, size_t len) {
  while (len > 0) {
    ULONG n = len < 0x10000000u ? (ULONG)len : 0x10000000u;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return -1;
    buf += n;
    len -= n;
  }
  return 0;
}

#else
#error "pageseal: no OS random source known for this system (Linux getrandom, macOS/BSD getentropy, Windows BCryptGenRandom)"
#endif
