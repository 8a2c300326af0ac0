/**
 * Every error pageseal throws is a PagesealError with a stable `code`, so callers can branch on
 * `err.code` (or `instanceof`) instead of parsing messages. Messages never contain key material.
 */
export type PagesealErrorCode =
  | 'UNKNOWN_CIPHER'
  | 'INVALID_KEY'
  | 'INVALID_OPTIONS'
  | 'AUTHENTICATION_FAILED'
  | 'NOT_ENCRYPTED'
  | 'NOT_A_DATABASE'
  | 'CIPHER_MISMATCH'
  | 'FORMAT_MISMATCH'
  | 'UNSUPPORTED_PAGE_SIZE'
  | 'RESERVE_MISMATCH'
  | 'CORRUPT'
  | 'BUSY'
  | 'HOT_JOURNAL'
  | 'IO'
  | 'KEY_NOT_APPLIED';

export class PagesealError extends Error {
  readonly code: PagesealErrorCode;
  constructor(code: PagesealErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PagesealError';
    this.code = code;
  }
}

/** The cipher name is not one of the registry's names or aliases. */
export class UnknownCipherError extends PagesealError {
  constructor(message: string) {
    super('UNKNOWN_CIPHER', message);
    this.name = 'UnknownCipherError';
  }
}

/** The key is not valid hex, or its length does not match the cipher. Never carries the key. */
export class InvalidKeyError extends PagesealError {
  constructor(message: string) {
    super('INVALID_KEY', message);
    this.name = 'InvalidKeyError';
  }
}

/** Options object of the wrong shape. */
export class InvalidOptionsError extends PagesealError {
  constructor(message: string) {
    super('INVALID_OPTIONS', message);
    this.name = 'InvalidOptionsError';
  }
}

/**
 * A tag did not verify: wrong key, wrong cipher, or tampered bytes. `pageNumber` is set when the
 * failure is about a database page (1-based), undefined for a bare cipher call.
 */
export class AuthenticationError extends PagesealError {
  readonly pageNumber: number | undefined;
  constructor(message: string, pageNumber?: number) {
    super('AUTHENTICATION_FAILED', message);
    this.name = 'AuthenticationError';
    this.pageNumber = pageNumber;
  }
}

/** The file is not in a format pageseal can read (not SQLite, not Turso-encrypted, truncated, ...). */
export class FormatError extends PagesealError {
  constructor(
    code: 'NOT_ENCRYPTED' | 'NOT_A_DATABASE' | 'CIPHER_MISMATCH' | 'FORMAT_MISMATCH' | 'UNSUPPORTED_PAGE_SIZE' | 'RESERVE_MISMATCH' | 'CORRUPT' | 'HOT_JOURNAL',
    message: string,
  ) {
    super(code, message);
    this.name = 'FormatError';
  }
}

/**
 * An open with a key where the VFS did not hold that key for the file SQLite opened (the filename named
 * another file than the key was registered for, or another VFS): the connection was closed before it
 * could write, rather than write plaintext.
 */
export class KeyNotAppliedError extends PagesealError {
  constructor(message: string) {
    super('KEY_NOT_APPLIED', message);
    this.name = 'KeyNotAppliedError';
  }
}
