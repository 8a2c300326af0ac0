/*
 * Key pragmas of other SQLite encryption extensions (SQLCipher, SQLite3 Multiple Ciphers, SEE). Stock
 * SQLite ignores a pragma it does not know, so without this file `PRAGMA key='...'` (what TypeORM's `key`
 * option issues) would return nothing and the database would be written in plaintext. With pageseal
 * installed they fail instead, naming what to use. The value is never echoed: it is a key or passphrase.
 * PRAGMA hexkey and PRAGMA cipher are pageseal's own (pragma.c); PRAGMA rehexkey is the key-lifecycle
 * pragma, handled elsewhere.
 */
#include <string.h>
#include "ps_vfs.h"

static const char *const SET_KEY[] = {"key", "textkey"};
static const char *const CHANGE_KEY[] = {"rekey", "hexrekey", "textrekey"};
/* SQLCipher's settings: they would change nothing here, and imply a file format pageseal does not write. */
static const char *const SQLCIPHER_SETTINGS[] = {"kdf_iter", "fast_kdf_iter"};

static int named(const char *name, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (sqlite3_stricmp(name, list[i]) == 0) return 1;
  return 0;
}

static int refuse(char **args, const char *name, const char *what_instead) {
  args[0] = sqlite3_mprintf("pageseal: PRAGMA %s is not pageseal's (SQLCipher/SEE); %s", name, what_instead);
  return SQLITE_ERROR;
}

/* SQLITE_ERROR with a message for another extension's key pragma; SQLITE_NOTFOUND for anything else. */
int ps_pragma_foreign(ps_file *f, char **args) {
  const char *name = args[1];
  if (named(name, SET_KEY, sizeof SET_KEY / sizeof *SET_KEY))
    return refuse(args, name,
                  "pageseal takes a raw key: PRAGMA cipher='aegis256'; PRAGMA hexkey='<64 hex digits>', or open() with "
                  "the encryption option { cipher, hexkey } (derive the key from a passphrase yourself, with a slow KDF)");
  if (named(name, CHANGE_KEY, sizeof CHANGE_KEY / sizeof *CHANGE_KEY))
    return refuse(args, name, "change the key with PRAGMA rehexkey='<hex>', db.rekey() or `pageseal rekey`");
  if (named(name, SQLCIPHER_SETTINGS, sizeof SQLCIPHER_SETTINGS / sizeof *SQLCIPHER_SETTINGS) ||
      sqlite3_strnicmp(name, "cipher_", 7) == 0)
    return refuse(args, name, "pageseal has no such setting: its format is Turso's, set by PRAGMA cipher and PRAGMA hexkey");
  return SQLITE_NOTFOUND;
}
