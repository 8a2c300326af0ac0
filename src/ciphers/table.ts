/**
 * The one table of cipher ids and sizes. Everything else derives from it or is checked against it:
 * the TS registry (registry.ts) and the native backend's ids are built from it, and
 * test/cipher-table.test.ts holds the C side (the id enum in src/native/include/ps_aead.h, the size
 * table in src/native/ciphers/aead.c, and what the built addon accepts) to the same values.
 *
 * The id is Turso's cipher id byte (page 1, byte 6 of an encrypted file); the per-page reserved
 * space is nonce + tag (docs/format.md). Turso core/storage/encryption.rs v0.7.2 uses these values.
 */
export const CIPHER_TABLE = [
  { name: 'aes128gcm', id: 1, keySize: 16, nonceSize: 12, tagSize: 16 },
  { name: 'aes256gcm', id: 2, keySize: 32, nonceSize: 12, tagSize: 16 },
  { name: 'aegis256', id: 3, keySize: 32, nonceSize: 32, tagSize: 16 },
  { name: 'aegis256x2', id: 4, keySize: 32, nonceSize: 32, tagSize: 16 },
  { name: 'aegis256x4', id: 5, keySize: 32, nonceSize: 32, tagSize: 16 },
  { name: 'aegis128l', id: 6, keySize: 16, nonceSize: 16, tagSize: 16 },
  { name: 'aegis128x2', id: 7, keySize: 16, nonceSize: 16, tagSize: 16 },
  { name: 'aegis128x4', id: 8, keySize: 16, nonceSize: 16, tagSize: 16 },
] as const;

export type CipherTableRow = (typeof CIPHER_TABLE)[number];
