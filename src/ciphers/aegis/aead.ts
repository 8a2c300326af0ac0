/**
 * The AEAD around an AEGIS core: Encrypt / Decrypt of draft-irtf-cfrg-aegis-aead ("Authenticated
 * Encryption", "Authenticated Decryption"). Handles argument checks, zero padding of the last AD and
 * message block, the tag, and the constant-time tag check. Decrypt never returns unauthenticated
 * plaintext: on a mismatch the output buffer is zeroed and AuthenticationError is thrown.
 */
import { AuthenticationError } from '../../errors.js';
import { checkLength } from '../check.js';
import type { Aead, Sealed } from '../types.js';
import type { AegisCore } from './core.js';
import { equalConstantTime, fixWordOrder, loadPadded, loadWords } from './words.js';

const EMPTY = new Uint8Array(0);

function checkBytes(what: string, v: unknown): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
}

class AegisAead implements Aead {
  private readonly core: AegisCore;
  /** Two one-block scratch buffers (bytes and the same memory as words) for partial blocks. */
  private readonly padBytes: Uint8Array;
  private readonly padWords: Int32Array;
  private readonly outBytes: Uint8Array;
  private readonly outWords: Int32Array;

  constructor(core: AegisCore) {
    this.core = core;
    this.padWords = new Int32Array(core.rate / 4);
    this.padBytes = new Uint8Array(this.padWords.buffer);
    this.outWords = new Int32Array(core.rate / 4);
    this.outBytes = new Uint8Array(this.outWords.buffer);
  }

  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad?: Uint8Array, tagLength = 16): Sealed {
    this.checkArgs(key, nonce, plaintext, ad);
    if (tagLength !== 16 && tagLength !== 32) throw new RangeError(`AEGIS tag length must be 16 or 32 bytes, got ${String(tagLength)}`);
    const { core } = this;
    const ciphertext = new Uint8Array(plaintext.length);
    const tag = new Uint8Array(tagLength);
    try {
      core.init(key, nonce);
      this.absorbAd(ad ?? EMPTY);
      const full = plaintext.length - (plaintext.length % core.rate);
      if (full > 0) {
        const src = loadWords(plaintext, full);
        const dst = new Int32Array(ciphertext.buffer, 0, full / 4);
        core.encrypt(src.words, dst, full / core.rate);
        fixWordOrder(dst);
        if (src.copied) src.words.fill(0);
      }
      if (full < plaintext.length) {
        loadPadded(this.padBytes, this.padWords, plaintext.subarray(full));
        core.encrypt(this.padWords, this.outWords, 1);
        fixWordOrder(this.outWords);
        ciphertext.set(this.outBytes.subarray(0, plaintext.length - full), full);
      }
      core.finalize(ad ? ad.length : 0, plaintext.length, tag);
      return { ciphertext, tag };
    } finally {
      this.wipe();
    }
  }

  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, ad?: Uint8Array): Uint8Array {
    this.checkArgs(key, nonce, ciphertext, ad);
    checkBytes('tag', tag);
    if (tag.length !== 16 && tag.length !== 32) throw new AuthenticationError('authentication failed: tag must be 16 or 32 bytes');
    const { core } = this;
    const plaintext = new Uint8Array(ciphertext.length);
    const expected = new Uint8Array(tag.length);
    try {
      core.init(key, nonce);
      this.absorbAd(ad ?? EMPTY);
      const full = ciphertext.length - (ciphertext.length % core.rate);
      if (full > 0) {
        const src = loadWords(ciphertext, full);
        const dst = new Int32Array(plaintext.buffer, 0, full / 4);
        core.decrypt(src.words, dst, full / core.rate);
        fixWordOrder(dst);
      }
      if (full < ciphertext.length) this.decryptPartial(ciphertext.subarray(full), plaintext.subarray(full));
      core.finalize(ad ? ad.length : 0, ciphertext.length, expected);
    } finally {
      this.wipe();
    }
    const ok = equalConstantTime(expected, tag);
    expected.fill(0);
    if (!ok) {
      plaintext.fill(0);
      throw new AuthenticationError('authentication failed');
    }
    return plaintext;
  }

  private checkArgs(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, ad: Uint8Array | undefined): void {
    checkLength('key', key, this.core.keySize);
    checkLength('nonce', nonce, this.core.nonceSize);
    checkBytes('message', data);
    if (ad !== undefined) checkBytes('associated data', ad);
  }

  /** Absorbs the AD, zero-padded to a whole number of blocks. */
  private absorbAd(ad: Uint8Array): void {
    const { core } = this;
    const full = ad.length - (ad.length % core.rate);
    if (full > 0) core.absorb(loadWords(ad, full).words, full / core.rate);
    if (full < ad.length) {
      loadPadded(this.padBytes, this.padWords, ad.subarray(full));
      core.absorb(this.padWords, 1);
    }
  }

  /** DecPartial: decrypt the short last block, then absorb its zero-padded plaintext. */
  private decryptPartial(cn: Uint8Array, out: Uint8Array): void {
    loadPadded(this.padBytes, this.padWords, cn);
    this.core.keystreamXor(this.padWords, this.outWords);
    fixWordOrder(this.outWords);
    out.set(this.outBytes.subarray(0, cn.length));
    this.outBytes.fill(0, cn.length);
    fixWordOrder(this.outWords);
    this.core.absorb(this.outWords, 1);
  }

  private wipe(): void {
    this.core.wipe();
    this.padBytes.fill(0);
    this.outBytes.fill(0);
  }
}

/** An Aead over one AEGIS core. Not re-entrant (the core's state is reused), which JS never needs. */
export function aegisAead(core: AegisCore): Aead {
  return Object.freeze(new AegisAead(core));
}
