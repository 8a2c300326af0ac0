/*
 * Turso-style key pragmas on a connection opened without a registered key, as Turso's CLI uses them:
 *   PRAGMA cipher='aegis256'; PRAGMA hexkey='<64 hex digits>';   (either order)
 * They arrive as SQLITE_FCNTL_PRAGMA before page 1 is read (SQLite reads it lazily), and set a key for
 * this file handle only. Error messages never contain the key. Other pragmas return SQLITE_NOTFOUND.
 */
#include <ctype.h>
#include <string.h>
#include "ps_vfs.h"

/* Canonical names and the aes-256-gcm / aes_256_gcm style aliases, case-insensitively. */
int ps_cipher_from_name(const char *name) {
  char plain[32];
  size_t n = 0;
  for (const char *p = name; *p; p++) {
    if (*p == '-' || *p == '_') continue;
    if (n + 1 >= sizeof plain) return 0;
    plain[n++] = (char)tolower((unsigned char)*p);
  }
  plain[n] = 0;
  for (int id = PS_CIPHER_MIN; id <= PS_CIPHER_MAX; id++)
    if (strcmp(plain, ps_cipher_name(id)) == 0) return id;
  return 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes 32 or 64 hex digits; returns the byte count or 0. */
static size_t decode_hex(const char *hex, uint8_t out[32]) {
  size_t len = strlen(hex);
  if (len != 32 && len != 64) return 0;
  for (size_t i = 0; i < len / 2; i++) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      ps_wipe(out, 32);
      return 0;
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return len / 2;
}

/* 16 or more hex digits and nothing else. */
static int looks_like_hex_key(const char *s) {
  size_t n = 0;
  for (; s[n] != '\0'; n++)
    if (hex_digit(s[n]) < 0) return 0;
  return n >= 16;
}

static int error(char **args, const char *msg) {
  args[0] = sqlite3_mprintf("%s", msg);
  return SQLITE_ERROR;
}

/*
 * The pageseal prefix and database id for a key set by pragma (PS_SEAL_BYTES into seal): an existing
 * pageseal-format file gives its own (page 1 then authenticates them with the key); a new (empty) file
 * gets a fresh random id when PRAGMA page_format='pageseal' asked for the format. Returns 1 when the key
 * is a pageseal-format key, 0 for Turso's format, -1 when no random id could be drawn.
 */
static int pragma_seal(ps_file *f, int cipher, uint8_t seal[PS_SEAL_BYTES]) {
  uint8_t hdr[100];
  int rc = ps_root_read(f, hdr, sizeof hdr, 0);
  if (rc == SQLITE_OK) {
    if (memcmp(hdr, "pageseal", 8) != 0) return 0;
    memcpy(seal, hdr, 16);
    memcpy(seal + 16, hdr + 72, 16);
    return 1;
  }
  if (f->pending_format != PS_FORMAT_PAGESEAL) return 0;
  if (f->pending_seal_set) { /* given by pageseal's JavaScript (a passphrase's salt is the id) */
    memcpy(seal, f->pending_seal, PS_SEAL_BYTES);
    return seal[9] == cipher ? 1 : -1;
  }
  memset(seal, 0, PS_SEAL_BYTES);
  memcpy(seal, "pageseal", 8);
  seal[8] = 1;
  seal[9] = (uint8_t)cipher;
  return ps_random_bytes(seal + 16, 16) == 0 ? 1 : -1;
}

/* Builds the key once both pragmas arrived. */
static int apply(ps_file *f, char **args) {
  if (f->pending_cipher == 0 || f->pending_key_len == 0) return SQLITE_OK;
  int cipher = f->pending_cipher;
  size_t len = f->pending_key_len, want = ps_cipher_key_size(cipher);
  uint8_t seal[PS_SEAL_BYTES];
  int sealed = pragma_seal(f, cipher, seal);
  ps_key *k = len == want && sealed >= 0 ? ps_key_standalone(cipher, f->pending_key, len, sealed ? seal : NULL) : NULL;
  ps_wipe(f->pending_key, sizeof f->pending_key);
  f->pending_key_len = 0;
  if (len != want) { /* the cipher stays pending: writes are still refused (vfs.c) */
    args[0] = sqlite3_mprintf("pageseal: cipher %s needs a %d-byte key, got %d bytes", ps_cipher_name(cipher),
                              (int)want, (int)len);
    return SQLITE_ERROR;
  }
  if (k == NULL) return error(args, "pageseal: cannot set up the key");
  f->pending_cipher = 0;
  f->key = k;
  ps_request_reserve(f);
  return SQLITE_OK;
}

static int refuse_change(ps_file *f, char **args) {
  if (f->key)
    return error(args, "pageseal: this database already has a key: PRAGMA cipher/hexkey do not change it; "
                       "use PRAGMA rehexkey or db.rekey() to re-encrypt it under another key");
  if (f->page_read) return error(args, "pageseal: PRAGMA cipher/hexkey must run before the database is first read");
  return SQLITE_OK;
}

static int pragma_cipher(ps_file *f, char **args, const char *value) {
  if (value == NULL) { /* PRAGMA cipher: report the cipher in use, if any */
    int id = f->key ? f->key->cipher : f->pending_cipher;
    if (id) args[0] = sqlite3_mprintf("%s", ps_cipher_name(id));
    return SQLITE_OK;
  }
  int id = ps_cipher_from_name(value);
  if (id == 0) {
    /* Echo only short names: a long or hex-looking one is most likely a key in the wrong pragma. */
    if (strlen(value) <= 24 && !looks_like_hex_key(value))
      args[0] = sqlite3_mprintf("pageseal: unknown cipher '%s'", value);
    else
      args[0] = sqlite3_mprintf("pageseal: unknown cipher (name not shown)");
    return SQLITE_ERROR;
  }
  if (f->key && f->key->cipher == id) return SQLITE_OK;
  int rc = refuse_change(f, args);
  if (rc != SQLITE_OK) return rc;
  f->pending_cipher = id;
  return apply(f, args);
}

/* 1 when value is the key this file already has: setup code that re-runs its pragmas must not fail. */
static int same_key(const ps_file *f, const char *value) {
  uint8_t raw[32];
  size_t len = decode_hex(value, raw);
  uint8_t d = len == f->key->key_len ? 0 : 1;
  for (size_t i = 0; i < len && i < f->key->key_len; i++) d |= raw[i] ^ f->key->raw[i]; /* no early exit */
  ps_wipe(raw, sizeof raw);
  return len != 0 && d == 0;
}

static int pragma_hexkey(ps_file *f, char **args, const char *value) {
  if (value == NULL) return error(args, "pageseal: PRAGMA hexkey needs a value");
  if (f->key && same_key(f, value)) return SQLITE_OK;
  int rc = refuse_change(f, args);
  if (rc != SQLITE_OK) return rc;
  ps_wipe(f->pending_key, sizeof f->pending_key); /* a refused value must not leave an earlier key behind */
  f->pending_key_len = decode_hex(value, f->pending_key);
  if (f->pending_key_len == 0) return error(args, "pageseal: PRAGMA hexkey expects 32 or 64 hex digits");
  return apply(f, args);
}

/*
 * PRAGMA pageseal_key_path: where this connection's key came from, so that open() can prove from the VFS
 * side that the file SQLite opened is the one the key was registered for (a URI filename, a vfs= parameter
 * or any other way of opening another file would otherwise write it in plaintext). The canonical path of
 * a registered key, "(pragma)" for a key set by PRAGMA, no row without a key. Not secret.
 */
static int pragma_key_path(ps_file *f, char **args) {
  if (f->key) args[0] = sqlite3_mprintf("%s", f->key->path ? f->key->path : "(pragma)");
  return SQLITE_OK;
}

/* 'pageseal:<64 hex digits>': the prefix and database id a new database gets (pageseal's JavaScript sends
 * it for PRAGMA passphrase, whose key depends on the id). Returns 1 when `value` had that form and decoded. */
static int decode_seal(ps_file *f, const char *value) {
  if (sqlite3_strnicmp(value, "pageseal:", 9) != 0 || strlen(value) != 9 + 2 * PS_SEAL_BYTES) return 0;
  for (int i = 0; i < PS_SEAL_BYTES; i++) {
    int hi = hex_digit(value[9 + 2 * i]), lo = hex_digit(value[10 + 2 * i]);
    if (hi < 0 || lo < 0) return 0;
    f->pending_seal[i] = (uint8_t)(hi << 4 | lo);
  }
  f->pending_seal_set = memcmp(f->pending_seal, "pageseal", 8) == 0 && f->pending_seal[8] == 1;
  return f->pending_seal_set;
}

/* PRAGMA page_format='turso'|'pageseal'[:<seal hex>]: the format of a new database (before PRAGMA hexkey/cipher complete). */
static int pragma_page_format(ps_file *f, char **args, const char *value) {
  if (value == NULL) {
    int fmt = f->key ? f->key->format : f->pending_format;
    args[0] = sqlite3_mprintf("%s", fmt == PS_FORMAT_PAGESEAL ? "pageseal" : "turso");
    return SQLITE_OK;
  }
  int with_seal = sqlite3_strnicmp(value, "pageseal:", 9) == 0;
  int fmt = sqlite3_stricmp(value, "pageseal") == 0 || with_seal ? PS_FORMAT_PAGESEAL
            : sqlite3_stricmp(value, "turso") == 0 ? PS_FORMAT_TURSO : -1;
  if (fmt < 0) return error(args, "pageseal: PRAGMA page_format expects 'turso' or 'pageseal'");
  if (f->key && f->key->format == fmt) return SQLITE_OK;
  int rc = refuse_change(f, args);
  if (rc != SQLITE_OK) return rc;
  if (with_seal && !decode_seal(f, value)) return error(args, "pageseal: PRAGMA page_format: malformed pageseal header");
  f->pending_format = fmt;
  return SQLITE_OK;
}

int ps_pragma(ps_file *f, char **args) {
  const char *name = args[1], *value = args[2];
  if (name == NULL) return SQLITE_NOTFOUND;
  if (sqlite3_stricmp(name, "page_format") == 0) return pragma_page_format(f, args, value);
  if (sqlite3_stricmp(name, "passphrase") == 0)
    return error(args, "pageseal: PRAGMA passphrase needs pageseal's Database (the key derivation runs in JavaScript); "
                       "on a raw connection use PRAGMA page_format, cipher and hexkey");
  if (sqlite3_stricmp(name, "cipher") == 0) return pragma_cipher(f, args, value);
  if (sqlite3_stricmp(name, "hexkey") == 0) return pragma_hexkey(f, args, value);
  if (sqlite3_stricmp(name, "pageseal_key_path") == 0) return pragma_key_path(f, args);
  if (sqlite3_stricmp(name, "rehexkey") == 0) return ps_pragma_rehexkey(args); /* rekey.c */
  return ps_pragma_foreign(f, args);
}
