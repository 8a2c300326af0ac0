/** AES-GCM (128 and 256) through @noble/ciphers, adapted to the registry's detached-tag Aead. */
import { gcm } from '@noble/ciphers/aes.js';
import { AuthenticationError } from '../errors.js';
import type { Aead, Sealed } from './types.js';
import { checkLength } from './check.js';

function aesGcm(keySize: 16 | 32): Aead {
  return {
    encrypt(key, nonce, plaintext, ad, tagLength = 16): Sealed {
      checkLength('key', key, keySize);
      checkLength('nonce', nonce, 12);
      if (tagLength !== 16) throw new RangeError('AES-GCM here supports 16-byte tags only');
      const out = gcm(key, nonce, ad && ad.length ? ad : undefined).encrypt(plaintext);
      return { ciphertext: out.slice(0, out.length - 16), tag: out.slice(out.length - 16) };
    },
    decrypt(key, nonce, ciphertext, tag, ad): Uint8Array {
      checkLength('key', key, keySize);
      checkLength('nonce', nonce, 12);
      if (!(ciphertext instanceof Uint8Array) || !(tag instanceof Uint8Array)) throw new TypeError('ciphertext and tag must be Uint8Arrays');
      if (tag.length !== 16) throw new AuthenticationError('authentication failed: tag must be 16 bytes');
      const joined = new Uint8Array(ciphertext.length + 16);
      joined.set(ciphertext, 0);
      joined.set(tag, ciphertext.length);
      try {
        return gcm(key, nonce, ad && ad.length ? ad : undefined).decrypt(joined);
      } catch {
        throw new AuthenticationError('authentication failed');
      }
    },
  };
}

export const aes128gcm: Aead = aesGcm(16);
export const aes256gcm: Aead = aesGcm(32);
