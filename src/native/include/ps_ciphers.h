/*
 * ps_ciphers.h: how the dispatcher (ciphers/aead.c) reaches each algorithm family. Each setup function
 * expects ctx->cipher, ctx->key_size and ctx->nonce_size already set, stores its expanded key in
 * ctx->state, picks the fastest path the CPU supports (portable when `portable` is non-zero), and sets
 * ctx->path, ctx->encrypt and ctx->decrypt. Returns 0, or -1 if the cipher is not its own.
 */
#ifndef PS_CIPHERS_H
#define PS_CIPHERS_H

#include "ps_aead.h"

int ps_gcm_setup(ps_aead *ctx, const uint8_t *key, int portable);   /* ciphers/gcm/gcm.c */
int ps_aegis_setup(ps_aead *ctx, const uint8_t *key, int portable); /* ciphers/aegis/aegis_dispatch.c */

#endif
