/**
 * The cipher registry against Turso's format table (docs/format.md, "Ciphers"): ids,
 * key/nonce/tag sizes and reserved bytes, name and alias lookup, and the unknown-cipher error.
 */
import { describe, expect, it } from 'vitest';
import { CIPHER_NAMES, CIPHER_SPECS, availableBackends, cipherSpecById, findCipherSpec, getCipher } from '../src/ciphers/registry.js';
import { PagesealError, UnknownCipherError } from '../src/errors.js';

/** name, id byte, key bytes, nonce bytes, tag bytes, reserved bytes: as in docs/format.md (Turso 0.7.2). */
const TURSO_TABLE: [string, number, number, number, number, number][] = [
  ['aes128gcm', 1, 16, 12, 16, 28],
  ['aes256gcm', 2, 32, 12, 16, 28],
  ['aegis256', 3, 32, 32, 16, 48],
  ['aegis256x2', 4, 32, 32, 16, 48],
  ['aegis256x4', 5, 32, 32, 16, 48],
  ['aegis128l', 6, 16, 16, 16, 32],
  ['aegis128x2', 7, 16, 16, 16, 32],
  ['aegis128x4', 8, 16, 16, 16, 32],
];

describe('registry facts', () => {
  it('has exactly the eight Turso ciphers, in id order', () => {
    expect(CIPHER_SPECS.map((s) => s.name)).toEqual(TURSO_TABLE.map((r) => r[0]));
    expect([...CIPHER_NAMES]).toEqual(TURSO_TABLE.map((r) => r[0]));
  });

  for (const [name, id, keySize, nonceSize, tagSize, reserved] of TURSO_TABLE) {
    it(`${name}: id ${id}, key ${keySize}, nonce ${nonceSize}, tag ${tagSize}, reserved ${reserved}`, () => {
      const s = findCipherSpec(name);
      expect({ name: s.name, id: s.id, keySize: s.keySize, nonceSize: s.nonceSize, tagSize: s.tagSize, reservedBytes: s.reservedBytes }).toEqual({
        name,
        id,
        keySize,
        nonceSize,
        tagSize,
        reservedBytes: reserved,
      });
      expect(cipherSpecById(id)).toBe(s);
    });
  }

  it('knows no other id byte', () => {
    for (const id of [0, 9, 10, 255, -1, 1.5]) expect(cipherSpecById(id)).toBeUndefined();
  });

  it('specs cannot be modified', () => {
    const s = findCipherSpec('aegis256');
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(CIPHER_SPECS)).toBe(true);
    expect(() => {
      (s as { id: number }).id = 99;
    }).toThrow(TypeError);
  });
});

describe('lookup by name', () => {
  it('matches canonical names case-insensitively', () => {
    for (const [name] of TURSO_TABLE) {
      expect(findCipherSpec(name).name).toBe(name);
      expect(findCipherSpec(name.toUpperCase()).name).toBe(name);
    }
    expect(findCipherSpec('AeGiS128L').name).toBe('aegis128l');
  });

  it('accepts the dashed and underscored aliases in any case', () => {
    const cases: [string, string][] = [
      ['AES-256-GCM', 'aes256gcm'],
      ['aes-256-gcm', 'aes256gcm'],
      ['aes_256_gcm', 'aes256gcm'],
      ['AES_128_GCM', 'aes128gcm'],
      ['aes-128-gcm', 'aes128gcm'],
      ['AEGIS-256', 'aegis256'],
      ['aegis_256', 'aegis256'],
      ['aegis-128l', 'aegis128l'],
      ['AEGIS_128L', 'aegis128l'],
      ['aegis-128x2', 'aegis128x2'],
      ['aegis-256x4', 'aegis256x4'],
      ['aegis_256x2', 'aegis256x2'],
    ];
    for (const [alias, name] of cases) expect(findCipherSpec(alias).name, alias).toBe(name);
  });

  it('rejects an unknown cipher with UnknownCipherError listing the valid names', () => {
    for (const bad of ['aes', 'chacha20', 'aes-192-gcm', 'aegis512', '', 'aegis128']) {
      let err: unknown;
      try {
        findCipherSpec(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(UnknownCipherError);
      expect(err).toBeInstanceOf(PagesealError);
      expect((err as PagesealError).code).toBe('UNKNOWN_CIPHER');
      const message = (err as Error).message;
      for (const [name] of TURSO_TABLE) expect(message).toContain(name);
    }
  });

  it('never echoes a key passed as the cipher name by mistake', () => {
    const key = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    for (const bad of [key, key.slice(0, 32), key.slice(0, 20)]) {
      let message = '';
      try {
        findCipherSpec(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/unknown cipher/);
      expect(message).not.toContain(bad.slice(0, 16));
    }
    expect(() => findCipherSpec('chacha20')).toThrow(/"chacha20"/);
  });

  it('rejects a non-string name with UnknownCipherError, not a crash', () => {
    for (const bad of [undefined, null, 3, {}]) {
      expect(() => findCipherSpec(bad as unknown as string)).toThrow(UnknownCipherError);
    }
  });

  it('getCipher resolves aliases to the same entry on every backend', () => {
    for (const backend of availableBackends()) {
      const a = getCipher('AES-256-GCM', { backend });
      expect(a.name).toBe('aes256gcm');
      expect(a.backend).toBe(backend);
      expect(getCipher('aes_256_gcm', { backend })).toBe(a);
    }
    expect(() => getCipher('nope')).toThrow(UnknownCipherError);
  });
});
