/*
 * The key registry: canonical database path -> (cipher, expanded key). Registrations are counted so that
 * several connections (and threads) opening the same path do not drop each other's key; every open file
 * holds a reference, so a connection keeps its key after JavaScript unregisters the path.
 * A pthread mutex guards it: it is used before SQLite is reachable and from worker threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ps_vfs.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ps_key *registry;
static int live_keys;
static int ever_registered;

static int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
  uint8_t d = 0; /* constant time: no early exit on a secret */
  for (size_t i = 0; i < n; i++) d |= a[i] ^ b[i];
  return d == 0;
}

/* A pageseal prefix must say "pageseal", version 1 and this cipher (pagecrypt.c checks pages against it). */
static int seal_ok(int cipher, const uint8_t *seal) {
  return seal == NULL || (memcmp(seal, "pageseal", 8) == 0 && seal[8] == 1 && seal[9] == cipher);
}

static ps_key *key_new(int cipher, const uint8_t *key, size_t len, const uint8_t *seal) {
  if (!seal_ok(cipher, seal)) return NULL;
  if (ps_cipher_key_size(cipher) != len || len > sizeof(((ps_key *)0)->raw)) return NULL;
  size_t size = (sizeof(ps_key) + 63) & ~(size_t)63;
  ps_key *k = aligned_alloc(64, size);
  if (k == NULL) return NULL;
  memset(k, 0, sizeof *k);
  if (ps_aead_init(&k->aead, cipher, key, len, 0) != 0) {
    ps_wipe(k, sizeof *k);
    free(k);
    return NULL;
  }
  k->cipher = cipher;
  k->key_len = len;
  memcpy(k->raw, key, len);
  k->nonce = ps_cipher_nonce_size(cipher);
  k->reserve = k->nonce + PS_TAG_SIZE;
  k->format = seal ? PS_FORMAT_PAGESEAL : PS_FORMAT_TURSO;
  if (seal) {
    memcpy(k->prefix, seal, 16);
    memcpy(k->dbid, seal + 16, 16);
  }
  k->refs = 1;
  return k;
}

static void key_free(ps_key *k) {
  free(k->path);
  ps_aead_wipe(&k->aead);
  ps_wipe(k, sizeof *k);
  free(k);
}

static ps_key **find_slot(const char *canon) {
  ps_key **p = &registry;
  while (*p && strcmp((*p)->path, canon) != 0) p = &(*p)->next;
  return p;
}

/* Same cipher, key, format and (pageseal) prefix and database id. */
static int same_key(const ps_key *k, int cipher, const uint8_t *key, size_t len, const uint8_t *seal) {
  if (k->cipher != cipher || k->key_len != len || !same_bytes(k->raw, key, len)) return 0;
  if (k->format != (seal ? PS_FORMAT_PAGESEAL : PS_FORMAT_TURSO)) return 0;
  return seal == NULL || (memcmp(k->prefix, seal, 16) == 0 && memcmp(k->dbid, seal + 16, 16) == 0);
}

int ps_keys_register(const char *canon, int cipher, const uint8_t *key, size_t len, const uint8_t *seal) {
  if (ps_cipher_key_size(cipher) == 0 || ps_cipher_key_size(cipher) != len) return PS_KEY_BAD;
  pthread_mutex_lock(&lock);
  ps_key **slot = find_slot(canon);
  int rc = PS_KEY_OK;
  if (*slot) {
    ps_key *k = *slot;
    if (same_key(k, cipher, key, len, seal)) k->regs++;
    else rc = PS_KEY_CONFLICT;
  } else {
    ps_key *k = key_new(cipher, key, len, seal);
    char *path = k ? strdup(canon) : NULL;
    if (path == NULL) {
      if (k) key_free(k);
      rc = k ? PS_KEY_NOMEM : PS_KEY_BAD;
    } else {
      k->path = path;
      k->regs = 1;
      *slot = k;
      live_keys++;
      ever_registered = 1;
    }
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

static void release_locked(ps_key *k) {
  if (--k->refs > 0) return;
  live_keys--;
  key_free(k);
}

int ps_keys_unregister(const char *canon) {
  pthread_mutex_lock(&lock);
  ps_key **slot = find_slot(canon);
  ps_key *k = *slot;
  if (k && --k->regs == 0) {
    *slot = k->next;
    k->next = NULL;
    release_locked(k);
  }
  pthread_mutex_unlock(&lock);
  return k != NULL;
}

ps_key *ps_keys_acquire(const char *canon) {
  if (canon == NULL) return NULL;
  pthread_mutex_lock(&lock);
  ps_key *k = *find_slot(canon);
  if (k) k->refs++;
  pthread_mutex_unlock(&lock);
  return k;
}

ps_key *ps_key_standalone(int cipher, const uint8_t *key, size_t len, const uint8_t *seal) {
  ps_key *k = key_new(cipher, key, len, seal);
  if (k == NULL) return NULL;
  pthread_mutex_lock(&lock);
  live_keys++;
  ever_registered = 1;
  pthread_mutex_unlock(&lock);
  return k;
}

void ps_key_release(ps_key *k) {
  if (k == NULL) return;
  pthread_mutex_lock(&lock);
  release_locked(k);
  pthread_mutex_unlock(&lock);
}

int ps_keys_ever_registered(void) {
  pthread_mutex_lock(&lock);
  int r = ever_registered;
  pthread_mutex_unlock(&lock);
  return r;
}

int ps_keys_registered_seal(const char *canon, uint8_t seal[PS_SEAL_BYTES]) {
  pthread_mutex_lock(&lock);
  ps_key *k = *find_slot(canon);
  int r = k == NULL ? -1 : k->format == PS_FORMAT_PAGESEAL;
  if (r == 1) {
    memcpy(seal, k->prefix, 16);
    memcpy(seal + 16, k->dbid, 16);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

/*
 * The hand-off is per thread: SQLite opens a connection's main file in the thread that called
 * sqlite3_open_v2, the one that registered the key just before. So the registration goes to that very
 * connection's file, even while other threads open the same database.
 */
static _Thread_local char *handoff;

int ps_keys_handoff_set(const char *canon) {
  ps_keys_handoff_end(); /* an earlier one left unclaimed (not expected) is dropped, not leaked */
  handoff = strdup(canon);
  return handoff ? PS_KEY_OK : PS_KEY_NOMEM;
}

int ps_keys_handoff_claim(const char *canon) {
  if (handoff == NULL || canon == NULL || strcmp(handoff, canon) != 0) return 0;
  free(handoff);
  handoff = NULL;
  return 1;
}

int ps_keys_handoff_end(void) {
  if (handoff == NULL) return 1;
  ps_keys_unregister(handoff);
  free(handoff);
  handoff = NULL;
  return 0;
}

void ps_keys_stats(int *registered, int *live) {
  pthread_mutex_lock(&lock);
  int n = 0;
  for (ps_key *k = registry; k; k = k->next) n++;
  *registered = n;
  *live = live_keys;
  pthread_mutex_unlock(&lock);
}
