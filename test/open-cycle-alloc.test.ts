/**
 * The allocation cuts of the open path (bench/open-close.ts) keep their answers: the hexkey decoded from
 * char codes equals Node's hex decoding and refuses what it refused, and the header sniff that reuses one
 * buffer does not read a previous file's bytes into a shorter one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeHexKey } from '../src/options.js';
import { readStoredHeader, sniffDatabase } from '../src/api/sniff.js';

describe('decodeHexKey', () => {
  it('decodes every digit, both cases, with or without 0x, as Buffer.from(hex) does', () => {
    const hex = '0123456789abcdefABCDEF00ff7F80';
    expect(Buffer.from(decodeHexKey(hex)).equals(Buffer.from(hex, 'hex'))).toBe(true);
    expect(Buffer.from(decodeHexKey(`0x${hex}`)).equals(Buffer.from(hex, 'hex'))).toBe(true);
  });
  it.each([['/', 0], [':', 1], ['@', 2], ['G', 3], ['`', 0], ['g', 5], [' ', 1], ['é', 2]])('refuses %j at its position', (c, at) => {
    const s = '00000000'.slice(0, at) + c + '0000000'.slice(at);
    expect(() => decodeHexKey(s)).toThrow(new RegExp(`not a hex digit at position ${at}\\b`));
  });
});

describe('sniffDatabase with one reused buffer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pageseal-sniff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a file shorter than the magic is unknown even right after a plain file was sniffed', () => {
    const plain = join(dir, 'plain.db');
    writeFileSync(plain, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]));
    const short = join(dir, 'short.db');
    writeFileSync(short, Buffer.from('SQLite f', 'latin1'));
    expect(sniffDatabase(plain).kind).toBe('plain');
    expect(sniffDatabase(short).kind).toBe('unknown');
  });
  it('readStoredHeader returns a copy the next read does not change', () => {
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    writeFileSync(a, Buffer.alloc(100, 1));
    writeFileSync(b, Buffer.alloc(100, 2));
    const ha = readStoredHeader(a);
    readStoredHeader(b);
    expect(ha?.every((x) => x === 1)).toBe(true);
  });
});
