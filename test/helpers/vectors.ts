/**
 * Published cipher test vectors as one flat list, from the repository's vectors/ files (written by
 * vectors/convert.mjs): the AEGIS draft vectors (draft-irtf-cfrg-aegis-aead) and AES-GCM vectors (McGrew-Viega
 * GCM spec appendix B, Project Wycheproof) with 128/256-bit keys and 96-bit IVs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CipherName } from '../../src/ciphers/types.js';

export interface CipherVector {
  cipher: CipherName;
  name: string;
  key: Uint8Array;
  nonce: Uint8Array;
  ad: Uint8Array;
  /** null for invalid vectors that publish no plaintext */
  msg: Uint8Array | null;
  ct: Uint8Array;
  tag: Uint8Array;
  valid: boolean;
}

const VECTORS_DIR = fileURLToPath(new URL('../../vectors', import.meta.url));

const AEGIS_FILES: Record<string, CipherName> = {
  'aegis128l.json': 'aegis128l',
  'aegis128x2.json': 'aegis128x2',
  'aegis128x4.json': 'aegis128x4',
  'aegis256.json': 'aegis256',
  'aegis256x2.json': 'aegis256x2',
  'aegis256x4.json': 'aegis256x4',
};

interface Entry {
  name: string;
  key: string;
  nonce: string;
  ad: string;
  msg: string | null;
  ct: string;
  tag: string;
  valid: boolean;
}

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

function read(file: string, cipherOf: (e: Entry) => CipherName): CipherVector[] {
  const entries = (JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as { entries: Entry[] }).entries;
  return entries.map((e) => ({
    cipher: cipherOf(e),
    name: `${file} ${e.name}`,
    key: bytes(e.key),
    nonce: bytes(e.nonce),
    ad: bytes(e.ad),
    msg: e.msg === null ? null : bytes(e.msg),
    ct: bytes(e.ct),
    tag: bytes(e.tag),
    valid: e.valid,
  }));
}

/** aes-gcm.json holds both key sizes (convert.mjs already left out AES-192 and non-96-bit IVs). */
function gcmCipher(e: Entry): CipherName {
  if (e.key.length === 32) return 'aes128gcm';
  if (e.key.length === 64) return 'aes256gcm';
  throw new Error(`aes-gcm.json: unexpected key size in ${e.name}`);
}

/** Every vector of the eight page ciphers. */
export function loadCipherVectors(): CipherVector[] {
  const out: CipherVector[] = [];
  for (const [file, cipher] of Object.entries(AEGIS_FILES)) out.push(...read(file, () => cipher));
  out.push(...read('aes-gcm.json', gcmCipher));
  return out;
}
