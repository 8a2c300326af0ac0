/* Reading the OS CSPRNG (ps_wipe is inline in ps_aead.h). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include "ps_aead.h"

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
