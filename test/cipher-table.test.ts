/**
 * Cipher ids and sizes live in one table (src/ciphers/table.ts). The TS registry is built from it; the
 * native side has its own C copies (the id enum in ps_aead.h, the size table in aead.c, the VFS's tag
 * size in ps_vfs.h), and this suite fails as soon as any of them, or what the built addon accepts,
 * differs from the table.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CIPHER_TABLE } from '../src/ciphers/table.js';
import { CIPHER_SPECS } from '../src/ciphers/registry.js';
import { loadAddon, addonLoadError } from '../src/addon.js';
import { CIPHERS as HELPER_CIPHERS } from './helpers/native.js';

const source = (rel: string) => readFileSync(fileURLToPath(new URL(`../src/native/${rel}`, import.meta.url)), 'utf8');

describe('one cipher table', () => {
  it('the C enum in ps_aead.h has the same names and ids', () => {
    const body = /enum\s*\{([^}]*PS_AES128GCM[^}]*)\}/.exec(source('include/ps_aead.h'))?.[1] ?? '';
    const ids = [...body.matchAll(/PS_([A-Z0-9]+)\s*=\s*(\d+)/g)].map((m) => [m[1]!.toLowerCase(), Number(m[2])]);
    expect(ids).toEqual(CIPHER_TABLE.map((r) => [r.name, r.id]));
    const h = source('include/ps_aead.h');
    expect(Number(/#define PS_CIPHER_MIN (\d+)/.exec(h)?.[1])).toBe(Math.min(...CIPHER_TABLE.map((r) => r.id)));
    expect(Number(/#define PS_CIPHER_MAX (\d+)/.exec(h)?.[1])).toBe(Math.max(...CIPHER_TABLE.map((r) => r.id)));
  });

  it('the C size table in aead.c has the same names, key and nonce sizes', () => {
    const rows = [...source('ciphers/aead.c').matchAll(/\[PS_([A-Z0-9]+)\]\s*=\s*\{\s*"([a-z0-9]+)",\s*(\d+),\s*(\d+)\s*\}/g)].map((m) => ({
      id: m[1]!.toLowerCase(),
      name: m[2],
      keySize: Number(m[3]),
      nonceSize: Number(m[4]),
    }));
    expect(rows).toEqual(CIPHER_TABLE.map((r) => ({ id: r.name, name: r.name, keySize: r.keySize, nonceSize: r.nonceSize })));
  });

  it("the VFS's tag size is the table's", () => {
    const tag = Number(/#define PS_TAG_SIZE (\d+)/.exec(source('vfs/ps_vfs.h'))?.[1]);
    expect(CIPHER_TABLE.every((r) => r.tagSize === tag)).toBe(true);
  });

  it('the registry is the table, with reserved bytes = nonce + tag', () => {
    expect(CIPHER_SPECS.map((s) => [s.name, s.id, s.keySize, s.nonceSize, s.tagSize, s.reservedBytes])).toEqual(
      CIPHER_TABLE.map((r) => [r.name, r.id, r.keySize, r.nonceSize, r.tagSize, r.nonceSize + r.tagSize]),
    );
  });

  it("the VFS tests' helper table agrees", () => {
    expect(Object.entries(HELPER_CIPHERS).map(([name, c]) => [name, c.id, c.key, c.reserve])).toEqual(
      CIPHER_TABLE.map((r) => [r.name, r.id, r.keySize, r.nonceSize + r.tagSize]),
    );
  });

  it('the built addon takes exactly the key and nonce sizes of the table, names ids as the table, refuses other ids', () => {
    const addon = loadAddon();
    if (!addon) throw new Error(`the addon must be built for this test: ${String(addonLoadError())}`);
    const rangeMessage = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return '(no error)';
    };
    for (const r of CIPHER_TABLE) {
      const key = new Uint8Array(r.keySize);
      const nonce = new Uint8Array(r.nonceSize);
      const sealed = addon.aeadEncrypt(r.id, key, nonce, new Uint8Array(64), null, 16, false);
      expect(sealed.tag.length).toBe(r.tagSize);
      expect(rangeMessage(() => addon.aeadEncrypt(r.id, new Uint8Array(r.keySize + 1), nonce, new Uint8Array(1), null, 16, false))).toBe(
        `key must be ${r.keySize} bytes for ${r.name}, got ${r.keySize + 1}`,
      );
      expect(rangeMessage(() => addon.aeadEncrypt(r.id, key, new Uint8Array(r.nonceSize + 1), new Uint8Array(1), null, 16, false))).toBe(
        `nonce must be ${r.nonceSize} bytes for ${r.name}, got ${r.nonceSize + 1}`,
      );
    }
    const outside = Math.max(...CIPHER_TABLE.map((r) => r.id)) + 1;
    expect(() => addon.aeadEncrypt(outside, new Uint8Array(32), new Uint8Array(32), new Uint8Array(1), null, 16, false)).toThrow();
    expect(() => addon.aeadEncrypt(0, new Uint8Array(32), new Uint8Array(32), new Uint8Array(1), null, 16, false)).toThrow();
  });
});
