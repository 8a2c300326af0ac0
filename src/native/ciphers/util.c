/* Small helpers every part uses: wiping secrets and reading the OS CSPRNG. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include "ps_aead.h"

void ps_wipe(void *p, size_t n) {
  volatile unsigned char *v = (volatile unsigned char *)p;
  while (n--) *v++ = 0;
}

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
