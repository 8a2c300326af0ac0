/**
 * vectors/pageseal-pages.json: pages in pageseal's format with fixed keys, database ids and nonces.
 * The TypeScript codec and the native VFS codec (pagecrypt.c, through the addon's sealPage/openPage)
 * must both produce exactly the stored bytes and open them back; the associated data spelled out in
 * each vector must be what the cipher was given; and a page opened as another page number, database,
 * WAL frame or salt must fail in both.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CIPHER_SPECS, findCipherSpec, getCipher } from '../src/ciphers/registry.js';
import { createPagesealFormat } from '../src/format/pageseal-format.js';
import { parsePagesealHeader } from '../src/format/pageseal-header.js';
import type { PageContext } from '../src/format/page-codec.js';
import { AuthenticationError } from '../src/errors.js';
import { loadAddon } from '../src/addon.js';

interface Vector {
  name: string;
  cipher: string;
  pageSize: number;
  key: string;
  seal: string;
  pageNo: number;
  page1Layout: boolean;
  frameHeader: string | null;
  frameNo: number;
  nonce: string;
  plaintext: string;
  ad: string;
  stored: string;
}

const file = JSON.parse(readFileSync(new URL('../vectors/pageseal-pages.json', import.meta.url), 'utf8')) as { entries: Vector[] };
const h = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const native = loadAddon();

function headerOf(v: Vector) {
  const seal = h(v.seal);
  const stored = new Uint8Array(100);
  stored.set(seal.subarray(0, 16), 0);
  stored.set(seal.subarray(16), 72);
  return parsePagesealHeader(stored);
}

function ctxOf(v: Vector): PageContext {
  const frame = v.frameHeader ? h(v.frameHeader) : null;
  return { page1Layout: v.page1Layout, ...(frame ? { wal: { salt: frame.subarray(8, 16), frame: v.frameNo } } : {}) };
}

function codecOf(v: Vector, backend: 'ts' | 'native') {
  return createPagesealFormat(getCipher(v.cipher, { backend }), h(v.key), v.pageSize, headerOf(v));
}

describe('pageseal page vectors', () => {
  it('cover three ciphers, WAL frames, journal images and a scrypt header', () => {
    expect(file.entries.length).toBeGreaterThanOrEqual(20);
    expect(new Set(file.entries.map((v) => v.cipher)).size).toBe(3);
  });

  for (const v of file.entries) {
    describe(v.name, () => {
      it('the TypeScript codec seals the plaintext into the stored bytes and opens them back', () => {
        for (const backend of ['ts', 'native'] as const) {
          if (backend === 'native' && !native) continue;
          const codec = codecOf(v, backend);
          const sealed = codec.encryptPageWithNonce(v.pageNo, h(v.plaintext), h(v.nonce), ctxOf(v), new Uint8Array(v.pageSize));
          expect(Buffer.from(sealed).toString('hex')).toBe(v.stored);
          expect(Buffer.from(codec.decryptPage(v.pageNo, h(v.stored), ctxOf(v), new Uint8Array(v.pageSize))).toString('hex')).toBe(v.plaintext);
          codec.wipe();
        }
      });

      it('the stored bytes are the cipher over the plaintext with the associated data as spelled out', () => {
        const spec = findCipherSpec(v.cipher);
        const start = v.page1Layout ? 100 : 0;
        const end = v.pageSize - spec.reservedBytes;
        const out = getCipher(v.cipher, { backend: 'ts' }).encrypt(h(v.key), h(v.nonce), h(v.plaintext).subarray(start, end), h(v.ad));
        const stored = h(v.stored);
        expect(Buffer.from(out.ciphertext).equals(Buffer.from(stored.subarray(start, end)))).toBe(true);
        expect(Buffer.from(out.tag).equals(Buffer.from(stored.subarray(end, end + 16)))).toBe(true);
        expect(Buffer.from(stored.subarray(end + 16)).toString('hex')).toBe(v.nonce);
      });

      it.skipIf(!native)('the native VFS codec seals and opens exactly the same bytes', () => {
        const spec = findCipherSpec(v.cipher);
        const frame = v.frameHeader ? h(v.frameHeader) : null;
        const sealed = native!.sealPage(spec.id, h(v.key), h(v.seal), h(v.plaintext), v.pageNo, v.page1Layout, frame, v.frameNo, h(v.nonce));
        expect(Buffer.from(sealed).toString('hex')).toBe(v.stored);
        const opened = native!.openPage(spec.id, h(v.key), h(v.seal), h(v.stored), v.pageNo, v.page1Layout, frame, v.frameNo);
        expect(typeof opened === 'string' ? opened : Buffer.from(opened).toString('hex')).toBe(v.plaintext);
      });

      it('opened as another page, database, frame or salt, it fails in both implementations', () => {
        const spec = findCipherSpec(v.cipher);
        const frame = v.frameHeader ? h(v.frameHeader) : null;
        const otherSeal = h(v.seal);
        otherSeal[31] ^= 1;
        const otherFrame = frame ? Uint8Array.from(frame) : null;
        if (otherFrame) otherFrame[15] ^= 1;
        const wrong: Array<[number, Uint8Array, Uint8Array | null, number]> = [
          [v.pageNo + 1, h(v.seal), frame, v.frameNo],
          [v.pageNo, otherSeal, frame, v.frameNo],
          ...(frame ? ([[v.pageNo, h(v.seal), otherFrame, v.frameNo], [v.pageNo, h(v.seal), frame, v.frameNo + 1], [v.pageNo, h(v.seal), null, 0]] as Array<[number, Uint8Array, Uint8Array | null, number]>) : []),
        ];
        for (const [pageNo, seal, fh, frameNo] of wrong) {
          if (native) expect(native.openPage(spec.id, h(v.key), seal, h(v.stored), pageNo, v.page1Layout, fh, frameNo)).toBe('auth');
          const other = { ...v, seal: Buffer.from(seal).toString('hex'), frameHeader: fh ? Buffer.from(fh).toString('hex') : null, frameNo };
          expect(() => codecOf(other, 'ts').decryptPage(pageNo, h(v.stored), ctxOf(other), new Uint8Array(v.pageSize))).toThrow(AuthenticationError);
        }
      });
    });
  }

  it('the registry has the ciphers the vectors name', () => {
    for (const v of file.entries) expect(CIPHER_SPECS.some((s) => s.name === v.cipher)).toBe(true);
  });
});
