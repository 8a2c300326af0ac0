/*
 * ps_vfs.h: internal interface of the VFS shim (src/native/vfs). The shim is a SQLite VFS that wraps the
 * platform VFS ("unix") inside better-sqlite3's own SQLite, reached only through the sqlite3_api_routines
 * pointer (better-sqlite3 exports no sqlite3_* symbols: docs/vfs.md).
 */
#ifndef PS_VFS_H
#define PS_VFS_H

#include <stdint.h>
#include <sqlite3ext.h>
#include "ps_aead.h"

/* The api pointer of the SQLite that loaded us (extension.c). Hidden: never exported from the .node. */
extern __attribute__((visibility("hidden"))) const sqlite3_api_routines *sqlite3_api;

/* Turso's tag size; must equal src/ciphers/table.ts (test/cipher-table.test.ts). */
#define PS_TAG_SIZE 16

/* ---- keys.c: the key registry ---- */
typedef struct ps_key {
  struct ps_key *next;  /* registry chain */
  char *path;           /* canonical path, or NULL for a key set by PRAGMA on one handle */
  int regs;             /* registerKey calls not yet matched by unregisterKey */
  int refs;             /* 1 while registered, plus one per file using it */
  int cipher;
  size_t key_len, nonce, reserve; /* reserve = nonce + tag */
  uint8_t raw[32];      /* the key itself, to tell a repeated registration from a conflicting one */
  int format;           /* PS_FORMAT_TURSO or PS_FORMAT_PAGESEAL */
  uint8_t prefix[16];   /* pageseal format: page 1's first 16 bytes as stored (magic, version, cipher, KDF) */
  uint8_t dbid[16];     /* pageseal format: the database id (page 1 bytes 72..87), bound into every page */
  ps_aead aead;         /* expanded once, used by every page */
} ps_key;

/* Page formats (docs/format.md). A pageseal-format key carries its page 1 prefix and database id:
 * `seal` arguments below are those 32 bytes (prefix then id), NULL for Turso's format. */
enum { PS_FORMAT_TURSO = 0, PS_FORMAT_PAGESEAL = 1 };
#define PS_SEAL_BYTES 32

enum { PS_KEY_OK = 0, PS_KEY_BAD = -1, PS_KEY_CONFLICT = -2, PS_KEY_NOMEM = -3 };
int ps_keys_register(const char *canon, int cipher, const uint8_t *key, size_t len, const uint8_t *seal);
int ps_keys_unregister(const char *canon);    /* 1 when a registration was dropped */
ps_key *ps_keys_acquire(const char *canon);   /* a reference to the registered key, or NULL */
ps_key *ps_key_standalone(int cipher, const uint8_t *key, size_t len, const uint8_t *seal); /* refs=1, unregistered */
void ps_key_release(ps_key *k);
int ps_keys_ever_registered(void);            /* sticky: some key was set in this process */
void ps_keys_stats(int *registered, int *live);
/* The seal (prefix + database id) registered for `canon` into `seal`: 1 (pageseal's format), 0 (Turso's, no seal),
 * -1 (no key registered). */
int ps_keys_registered_seal(const char *canon, uint8_t seal[PS_SEAL_BYTES]);
/*
 * Hand-off of one registration to the main file the next open of this thread creates (keys.c): the
 * registration then belongs to that file and is dropped when SQLite closes it, whoever closes it (close(),
 * a collected connection, a failed open), so JavaScript needs no weak reference to the connection.
 */
int ps_keys_handoff_set(const char *canon);   /* after a registration of canon; PS_KEY_OK or PS_KEY_NOMEM */
int ps_keys_handoff_claim(const char *canon); /* xOpen of a main file: 1 when it takes the registration */
int ps_keys_handoff_end(void);                /* 1 when none is pending (taken); 0 after dropping an untaken one */
int ps_vfs_handoff_verified(void); /* vfs.c: the file that took it had page 1 authenticated under the key (once) */

/* ---- failure.c: the last failure seen on this thread ---- */
enum { PS_FAIL_NONE = 0, PS_FAIL_AUTH, PS_FAIL_NOT_ENCRYPTED, PS_FAIL_CIPHER, PS_FAIL_FORMAT, PS_FAIL_RESERVE,
       PS_FAIL_TURSO_WAL, PS_FAIL_PAGE_SIZE, PS_FAIL_NO_KEY, PS_FAIL_KEY_INCOMPLETE, PS_FAIL_JOURNAL, PS_FAIL_RANDOM,
       PS_FAIL_TRUNCATED, PS_FAIL_EMPTY_MAIN, PS_FAIL_FORMAT_MISMATCH,
       PS_FAIL_NOT_REGULAR, PS_FAIL_MOVED };
void ps_failure_set(int kind, const char *path, uint32_t page); /* records it and logs it (sqlite3_log) */
void ps_failure_log(int kind, const char *path, uint32_t page); /* logs only: a failure SQLite handles itself */
const char *ps_failure_last_logged(void);                       /* this thread's last logged line */
int ps_failure_get(const char **path, uint32_t *page); /* returns the kind (PS_FAIL_NONE when none) */
void ps_failure_clear(void);
const char *ps_failure_name(int kind);

/* ---- pagecrypt.c: one page in Turso's or pageseal's format ---- */
/*
 * What a sealed page is bound to. Turso's format binds only page 1's stored header; pageseal's binds
 * the database id, the page number and, for a WAL frame, its salts and frame number (docs/format.md).
 */
typedef struct ps_bind {
  uint32_t pgno;        /* database page number (a WAL frame's or journal record's page number) */
  int page1;            /* stored in page 1's layout (plaintext header in front): page 1 in the db or a WAL frame */
  const uint8_t *frame; /* WAL frames: the 24-byte frame header (salts at bytes 8..15); NULL otherwise */
  uint32_t frame_no;    /* WAL frames: 1-based frame number */
} ps_bind;
int ps_is_page_size(sqlite3_int64 n);
int ps_header_page_size(const uint8_t *header); /* bytes 16..17 of page 1; 0 when invalid */
int ps_page1_prefix_ok(const uint8_t *stored, const ps_key *k); /* magic, version, cipher id, zeros: 0 or PS_FAIL_* */
void ps_page1_header_to_sqlite(const ps_key *k, uint8_t *buf, int n, int off); /* stored header range -> SQLite's */
int ps_page_seal(const ps_key *k, const uint8_t *in, uint8_t *out, int size, const ps_bind *b); /* 0 or PS_FAIL_* */
int ps_page_open(const ps_key *k, uint8_t *buf, int size, const ps_bind *b);                  /* 0 or PS_FAIL_* */
/* Test hook: seal with a given nonce (test vectors). */
int ps_page_seal_with_nonce(const ps_key *k, const uint8_t *in, uint8_t *out, int size, const ps_bind *b,
                            const uint8_t *nonce);
int ps_fresh_nonce(uint8_t *out, size_t n); /* n random bytes from the per-thread pool; 0 or -1 */

/* ---- chacha20.c / tempcrypt.c / tempfile.c: temp files under a throwaway key ---- */
#define PS_TEMP_REGION 4096 /* temp files are encrypted in regions of this size, each with its own counter */
typedef struct ps_stream {
  uint32_t key[8];
  uint32_t nonce[2];
  uint32_t *gen;   /* per region: how many times it was written (its keystream's generation) */
  uint16_t *len;   /* per region: bytes from its start that hold data written under gen */
  size_t regions;  /* entries in gen and len */
} ps_stream;
void ps_chacha20_block(const uint32_t in[16], uint8_t out[64]);
int ps_stream_init(ps_stream *s);  /* random key and nonce, no regions; 0 or -1 */
void ps_stream_xor(const ps_stream *s, uint8_t *buf, size_t len, uint64_t offset, uint32_t gen);
void ps_stream_wipe(ps_stream *s); /* wipes the key, frees the region tables */

/* ---- vfs.c ---- */
enum { PS_PLAIN = 0, PS_MAIN, PS_WAL, PS_JOURNAL, PS_TEMP };

typedef struct ps_file {
  sqlite3_file base;
  sqlite3_file *root;        /* the platform VFS's file, stored right after this struct */
  int kind;                  /* PS_PLAIN .. PS_TEMP */
  const char *name;          /* the name SQLite opened (NULL for temp files) */
  ps_key *key;               /* MAIN: its key; WAL/JOURNAL: a key found in the registry when no main matched */
  struct ps_file *main;      /* WAL/JOURNAL: the main db file of the same pager */
  struct ps_file *next_main; /* list of open main files */
  sqlite3 *db;               /* MAIN: the connection (set by the auto-extension) */
  int page_size;             /* MAIN: last whole-page size seen */
  int page_read;             /* MAIN: a whole page was read or written; a key can no longer be set */
  int key_verified;          /* MAIN: page 1 on disk opened with the key */
  int reserve_done;          /* MAIN: the key's reserve was requested from SQLite */
  int plain_checked;         /* MAIN without a key: the file on disk is not in Turso's format */
  uint32_t short_from;       /* MAIN: first page found missing (truncated.c), 0 if none: then no write may change it */
  int page1_counts_more;     /* MAIN: page 1 read as the file opened counts more pages than the file holds */
  int lock_level;            /* MAIN: this connection's lock on the file (SQLITE_LOCK_*) */
  int owns_reg;              /* MAIN: holds one registration of its path (handed off at open), dropped at close */
  int pending_cipher;        /* MAIN: from PRAGMA cipher, waiting for PRAGMA hexkey */
  uint8_t pending_key[32];   /* MAIN: from PRAGMA hexkey, waiting for PRAGMA cipher (wiped at close) */
  size_t pending_key_len;
  int pending_format;        /* MAIN: from PRAGMA page_format, for a new database (an existing one says its own) */
  uint8_t pending_seal[PS_SEAL_BYTES]; /* MAIN: PRAGMA page_format='pageseal:<hex>': prefix + id for a new database */
  int pending_seal_set;
  sqlite3_int64 last_off;    /* JOURNAL, WAL: offset and size of the last write */
  int last_len;
  uint32_t last_pgno;        /* WAL, JOURNAL: page number in the last frame header / record header written */
  uint8_t last_frame[24];    /* WAL: the last frame header written (its salts are bound in the pageseal format) */
  uint8_t *scratch;          /* one page (+ frame header) for encryption */
  size_t scratch_len;
  ps_stream *stream;         /* TEMP: keystream state */
  struct ps_walsum *walsum;  /* WAL: checksum translation state (walsum.c) */
  struct ps_jsum *jsum;      /* JOURNAL: record checksum and authentication state (journal.c) */
} ps_file;

sqlite3_vfs *ps_root_vfs(void);
int ps_vfs_install(void);       /* registers the shim as the default VFS once; SQLITE_OK or an error */
int ps_vfs_installed(void);
extern const sqlite3_io_methods ps_io_methods;
ps_key *ps_file_key(const ps_file *f);
const char *ps_file_db_name(const ps_file *f); /* the database a file belongs to (failures name it) */
uint8_t *ps_file_scratch(ps_file *f, size_t len);
void ps_request_reserve(ps_file *f); /* asks SQLite for the key's reserve via the connection */
int ps_stat_temp_files(void);
int ps_mains_count(const char *canon, struct ps_file **first); /* open main files of that path, all connections */
int ps_mains_contains(const struct ps_file *f);
int ps_rekey_rebind(struct ps_file *f, ps_key *given); /* rekey.c; given: NULL for the key registered for the path */
void ps_rekey_disown(struct ps_file *f);
void ps_rekey_thread_end(void); /* napi_rekey.c: drops this thread's rekey target and the key it shared */
void ps_rekey_request_reserve(struct ps_file *f, int reserve);
int ps_pragma_rehexkey(char **args);
int ps_main_moved(struct ps_file *main);
void ps_rekey_on_write(struct ps_file *f, sqlite3_int64 end); /* napi_rekey.c: progress of a rekey copy */  /* rekey.c: the file at its path is another one now */    /* rekey.c: refused here, run by the Database API */

/* mainfile.c, auxfile.c, tempfile.c, pragma.c */
int ps_main_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off);
int ps_main_page1(ps_file *f, ps_key *k, uint8_t **page, int *size, int *bad);
int ps_main_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off);
int ps_main_file_size(ps_file *f, sqlite3_int64 *size); /* truncated.c */
uint32_t ps_main_first_missing(ps_file *f, const uint8_t *page1, int n);
void ps_main_note_short(ps_file *f, const uint8_t *page1, int n); /* truncated.c: page 1 counts pages the file lacks */
int ps_main_refuse_short(ps_file *f);                             /* truncated.c: a write to a file found short */
int ps_wal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off);
int ps_wal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off);
void ps_wal_checksum(const uint8_t *p, size_t n, int big, uint32_t s[2]); /* SQLite's WAL checksum, continued */
int ps_wal_first_frame_opens(sqlite3_file *root, const ps_key *k);
int ps_wal_first_frame_proves_key(sqlite3_file *root, const ps_key *k);
int ps_guard_aux_open(ps_file *f);
/* walsum.c: WAL frame checksums over the stored bytes */
int ps_walsum_read_frame(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off);
int ps_walsum_read_sum(ps_file *f, ps_key *k, uint8_t *buf, sqlite3_int64 off);
int ps_walsum_is_sum_read(ps_file *f, int n, sqlite3_int64 off);
int ps_walsum_header(ps_file *f, const uint8_t *buf, sqlite3_int64 off);
int ps_walsum_completes(ps_file *f, int n, sqlite3_int64 off);
int ps_walsum_page(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off);
int ps_walsum_flush(ps_file *f);
void ps_walsum_free(ps_file *f);
int ps_journal_read(ps_file *f, ps_key *k, uint8_t *buf, int n, sqlite3_int64 off);
int ps_journal_write(ps_file *f, ps_key *k, const uint8_t *buf, int n, sqlite3_int64 off);
int ps_journal_verify(ps_file *f, const ps_key *k); /* before a hot journal is played back (journal.c) */
void ps_journal_free(ps_file *f);
int ps_journal_proves_key(ps_file *f, const ps_key *k);
int ps_temp_read(ps_file *f, uint8_t *buf, int n, sqlite3_int64 off);
int ps_temp_write(ps_file *f, const uint8_t *buf, int n, sqlite3_int64 off);
void ps_temp_truncate(ps_file *f, sqlite3_int64 size);
int ps_pragma(ps_file *f, char **args);
int ps_pragma_foreign(ps_file *f, char **args); /* pragma_foreign.c: other extensions' key pragmas */
int ps_cipher_from_name(const char *name);

/* Small helpers. */
static inline uint32_t ps_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline int ps_root_read(ps_file *f, void *buf, int n, sqlite3_int64 off) {
  return f->root->pMethods->xRead(f->root, buf, n, off);
}
static inline int ps_root_write(ps_file *f, const void *buf, int n, sqlite3_int64 off) {
  return f->root->pMethods->xWrite(f->root, buf, n, off);
}

#endif
