import type { CipherTableRow } from './table.js';

/** Canonical cipher names, as Turso spells them (the names of the table in table.ts). */
export type CipherName = CipherTableRow['name'];

/** Static facts about a cipher: sizes and its id byte in Turso's format. */
export interface CipherSpec {
  readonly name: CipherName;
  /** Turso's cipher id byte (page 1, byte 6). */
  readonly id: number;
  readonly keySize: number;
  readonly nonceSize: number;
  /** Tag size used in the page format (always 16). */
  readonly tagSize: 16;
  /** nonceSize + tagSize: SQLite's reserved bytes per page (header byte 20). */
  readonly reservedBytes: number;
  /** Accepted spellings besides the canonical name (matched case-insensitively). */
  readonly aliases: readonly string[];
}

export interface Sealed {
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/**
 * One implementation of an AEAD with a detached tag. `decrypt` throws AuthenticationError on any
 * mismatch and never returns unauthenticated plaintext.
 */
export interface Aead {
  /** `tagLength` defaults to 16; AEGIS also supports 32 (used by the published vectors). */
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad?: Uint8Array, tagLength?: number): Sealed;
  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, ad?: Uint8Array): Uint8Array;
}

/** Which implementation an Aead comes from. */
export type BackendName = 'ts' | 'native';

/** A registry entry: the spec plus the encrypt/decrypt of the selected backend. */
export interface Cipher extends CipherSpec, Aead {
  readonly backend: BackendName;
}
