/**
 * Published cipher test vectors as one flat list: the AEGIS draft vectors (draft-irtf-cfrg-aegis-aead) and
 * AES-GCM vectors (McGrew-Viega GCM spec appendix B, Project Wycheproof), limited to what the page format
 * uses: 128/256-bit AES keys and 96-bit IVs.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** The repository's own vector files (vectors/convert.mjs writes them). */
const REPO_DIR = fileURLToPath(new URL('../../vectors', import.meta.url));
/** The gathered originals, used only while the repository's files are not there yet. */
const SOURCE_DIR = '/work/shared/vectors-source';

const AEGIS_FILES: Record<string, CipherName> = {
  'aegis128l.json': 'aegis128l',
  'aegis128x2.json': 'aegis128x2',
  'aegis128x4.json': 'aegis128x4',
  'aegis256.json': 'aegis256',
  'aegis256x2.json': 'aegis256x2',
  'aegis256x4.json': 'aegis256x4',
};

const bytes = (h: string | null | undefined): Uint8Array => Uint8Array.from(Buffer.from(h ?? '', 'hex'));

interface RawVector {
  name?: string;
  tc_id?: number;
  key: string;
  nonce?: string;
  iv?: string;
  ad?: string;
  aad?: string;
  msg: string | null;
  ct: string;
  tag: string;
  valid: boolean;
}

function fromRaw(cipher: CipherName, file: string, r: RawVector): CipherVector {
  return {
    cipher,
    name: `${file} ${r.name ?? `tc ${r.tc_id}`}`,
    key: bytes(r.key),
    nonce: bytes(r.nonce ?? r.iv),
    ad: bytes(r.ad ?? r.aad),
    msg: r.msg === null ? null : bytes(r.msg),
    ct: bytes(r.ct),
    tag: bytes(r.tag),
    valid: r.valid,
  };
}

function readVectors(dir: string, file: string): RawVector[] {
  return (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { vectors: RawVector[] }).vectors;
}

function gcmCipher(r: RawVector): CipherName | null {
  const ivHex = r.iv ?? r.nonce ?? '';
  if (ivHex.length !== 24) return null; // the page format uses 96-bit IVs only
  if (r.key.length === 32) return 'aes128gcm';
  if (r.key.length === 64) return 'aes256gcm';
  return null; // AES-192
}

interface RepoEntry {
  name: string;
  key: string;
  nonce: string;
  ad: string;
  msg: string | null;
  ct: string;
  tag: string;
  valid: boolean;
}

function fromRepo(file: string, pick: (e: RepoEntry) => CipherName | null): CipherVector[] {
  const entries = (JSON.parse(readFileSync(join(REPO_DIR, file), 'utf8')) as { entries: RepoEntry[] }).entries;
  const out: CipherVector[] = [];
  for (const e of entries) {
    const cipher = pick(e);
    if (cipher) out.push(fromRaw(cipher, file, { ...e, name: e.name }));
  }
  return out;
}

/** Every usable vector: from vectors/ in the repository, else from the gathered sources. */
export function loadCipherVectors(): CipherVector[] {
  const repoFiles = [...Object.keys(AEGIS_FILES), 'aes-gcm.json'];
  if (repoFiles.every((f) => existsSync(join(REPO_DIR, f)))) {
    const out: CipherVector[] = [];
    for (const [file, cipher] of Object.entries(AEGIS_FILES)) out.push(...fromRepo(file, () => cipher));
    out.push(...fromRepo('aes-gcm.json', gcmCipher));
    return out;
  }
  return loadSourceVectors(SOURCE_DIR);
}

function loadSourceVectors(dir: string): CipherVector[] {
  if (!existsSync(dir)) throw new Error(`test vectors not found in ${REPO_DIR} or ${dir}`);
  const out: CipherVector[] = [];
  for (const [file, cipher] of Object.entries(AEGIS_FILES)) {
    for (const r of readVectors(dir, file)) out.push(fromRaw(cipher, file, r));
  }
  for (const file of ['aes-gcm-spec-mcgrew-viega.json', 'aes-gcm-wycheproof.json']) {
    for (const r of readVectors(dir, file)) {
      const cipher = gcmCipher(r);
      if (cipher) out.push(fromRaw(cipher, file, r));
    }
  }
  return out;
}
