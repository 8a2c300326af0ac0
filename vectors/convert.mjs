#!/usr/bin/env node
/**
 * Converts published test vectors into this repository's own JSON form (vectors/*.json, which the
 * tests read). The outputs are committed; this script only needs to run again when a source changes.
 *
 * Upstream sources (each output's top-level `source` field records the exact document, commit and
 * how its entries were extracted):
 *   - AEGIS-128L, -128X2, -128X4, -256, -256X2, -256X4 and the AESRound vector: the test-vector
 *     appendix of draft-irtf-cfrg-aegis-aead-18 (published as RFC 10032), from
 *     https://github.com/cfrg/draft-irtf-cfrg-aegis-aead (tag draft-irtf-cfrg-aegis-aead-18, file
 *     draft-irtf-cfrg-aegis-aead.md), every AEAD vector with its 128-bit and its 256-bit tag.
 *   - AES-GCM: Project Wycheproof testvectors_v1/aes_gcm_test.json (https://github.com/C2SP/wycheproof),
 *     and the test cases of Appendix B of McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)".
 *
 * Input: a folder with those vectors transcribed to JSON, one file per source, each
 * `{ algorithm, source, vectors: [...] }`:
 *   aegis128l.json ... aegis256x4.json   vectors { name, key, nonce, ad, msg, ct, tag, tag_len, valid }
 *   aegis-aesround.json                  vectors { name, in, rk, out }
 *   aes-gcm-wycheproof.json              vectors { tc_id, key, iv, aad, msg, ct, tag, valid, flags, comment }
 *   aes-gcm-spec-mcgrew-viega.json       vectors { name, key, iv, aad, msg, ct, tag, valid }
 * (hex strings; `msg` absent for must-fail entries the source gives no plaintext for).
 *
 * Rerun, from the repository root:
 *
 *   node vectors/convert.mjs path/to/input-folder
 *   git diff vectors/      # what changed; npm test then runs every entry on every backend
 *
 * Output, one file per algorithm, each with a top-level `source` (copied from the input's `source`
 * field) and `entries` of one uniform shape:
 *
 *   { name, key, nonce, ad, msg, ct, tag, tagLength, valid }     (hex strings; tagLength in bytes)
 *
 * `msg` is null for must-fail entries whose source gives no plaintext. aes-round.json holds the
 * AESRound vector as { name, in, rk, out }. AES-GCM entries the page cipher cannot express
 * (AES-192, IVs other than 96 bits, tags other than 128 bits) are left out and counted in `excluded`.
 * AEGISMAC vectors are skipped: pageseal has no MAC API.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const sourceDir = process.argv[2];
if (!sourceDir) {
  console.error('usage: node vectors/convert.mjs <folder of transcribed vectors> (see the top of this script)');
  process.exit(2);
}

const read = (file) => JSON.parse(readFileSync(join(sourceDir, file), 'utf8'));

function write(file, data) {
  writeFileSync(join(here, file), JSON.stringify(data, null, 1) + '\n');
  console.log(`wrote vectors/${file}: ${data.entries.length} entries`);
}

function entry(name, v) {
  return {
    name,
    key: v.key,
    nonce: v.nonce,
    ad: v.ad ?? '',
    msg: v.msg ?? null,
    ct: v.ct,
    tag: v.tag,
    tagLength: v.tag.length / 2,
    valid: v.valid === true,
  };
}

const AEGIS = ['aegis128l', 'aegis128x2', 'aegis128x4', 'aegis256', 'aegis256x2', 'aegis256x4'];

function convertAegis(name) {
  const src = read(`${name}.json`);
  const entries = src.vectors.map((v) => entry(`${v.name} (${v.tag_len}-bit tag)`, v));
  write(`${name}.json`, { algorithm: src.algorithm, source: src.source, entries });
}

function convertAesRound() {
  const src = read('aegis-aesround.json');
  const entries = src.vectors.map((v) => ({ name: v.name, in: v.in, rk: v.rk, out: v.out }));
  write('aes-round.json', { algorithm: src.algorithm, source: src.source, entries });
}

/** Why the page cipher cannot run a GCM vector, or null when it can. */
function gcmExclusion(v) {
  const keyBits = v.key.length * 4;
  if (keyBits !== 128 && keyBits !== 256) return `AES-${keyBits} (the registry has AES-128-GCM and AES-256-GCM only)`;
  if (v.iv.length !== 24) return `${v.iv.length * 4}-bit IV (the page format uses 96-bit nonces)`;
  if (v.tag.length !== 32) return `${v.tag.length * 4}-bit tag (the page format uses 128-bit tags)`;
  return null;
}

function convertGcm() {
  const inputs = [
    { file: 'aes-gcm-wycheproof.json', label: 'Wycheproof', name: (v) => `Wycheproof tcId ${v.tc_id} [${(v.flags ?? []).join(', ')}]${v.comment ? ' ' + v.comment : ''}` },
    { file: 'aes-gcm-spec-mcgrew-viega.json', label: 'McGrew-Viega', name: (v) => `McGrew-Viega ${v.name}` },
  ];
  const source = {};
  const entries = [];
  const excluded = { count: 0, reasons: {} };
  for (const input of inputs) {
    const src = read(input.file);
    source[input.label] = src.source;
    for (const v of src.vectors) {
      const why = gcmExclusion(v);
      if (why) {
        excluded.count++;
        const key = `${input.label}: ${why}`;
        excluded.reasons[key] = (excluded.reasons[key] ?? 0) + 1;
        continue;
      }
      entries.push(entry(input.name(v), { ...v, nonce: v.iv, ad: v.aad }));
    }
  }
  excluded.note =
    'Counted here: entries of the inputs above left out. The Wycheproof input was already filtered upstream ' +
    '(see source.Wycheproof.filter: AES-192 and non-96-bit-IV groups were dropped before it reached this repo).';
  write('aes-gcm.json', { algorithm: 'AES-GCM', source, excluded, entries });
}

for (const name of AEGIS) convertAegis(name);
convertAesRound();
convertGcm();
