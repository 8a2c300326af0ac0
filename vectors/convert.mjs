#!/usr/bin/env node
/**
 * Converts the published test vectors gathered in ../shared/vectors-source (relative to the repo
 * root) into this repository's own JSON form. Run by hand from the repo root when the sources change:
 *
 *   node vectors/convert.mjs [path/to/vectors-source]
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
const sourceDir = process.argv[2] ?? join(here, '..', '..', 'shared', 'vectors-source');

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
