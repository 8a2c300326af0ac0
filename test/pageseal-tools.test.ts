/**
 * The command line on pageseal-format files: info shows the format, database id and KDF; verify,
 * decrypt and encrypt take --format pageseal and a key or PAGESEAL_PASSPHRASE; the wrong format is
 * an input error; the passphrase never reaches the output.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main } from '../src/cli.js';
import { info, open, type EncryptionOpts } from '../src/index.js';
import { scratchDir } from './helpers/files.js';

const { dir, cleanup } = scratchDir('pageseal-tools-');
afterAll(cleanup);
const HEX = '7e'.repeat(32);
const PASS = 'tools passphrase 9876';

function run(argv: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, env, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function make(path: string, encryption: EncryptionOpts): void {
  const db = open(path, { encryption });
  db.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('a'), ('b')");
  db.close();
}

describe('pageseal CLI on the pageseal format', () => {
  it('info reports format, version, cipher, database id and KDF', () => {
    const p = join(dir, 'info.db');
    make(p, { cipher: 'aegis128l', passphrase: PASS, format: 'pageseal', kdf: { log2N: 11 } });
    const r = run(['info', p]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/format:\s+pageseal \(encrypted, version 1\)/);
    expect(r.out).toMatch(/cipher:\s+aegis128l/);
    expect(r.out).toContain(`db id:      ${info(p).databaseId}`);
    expect(r.out).toMatch(/kdf:\s+scrypt N=2\^11 r=8 p=1/);
    const j = JSON.parse(run(['info', p, '--json']).out);
    expect(j).toMatchObject({ format: 'pageseal', kdf: { name: 'scrypt', log2N: 11, r: 8, p: 1 } });
  });

  it('verify / decrypt / encrypt with a key and with a passphrase', () => {
    const p = join(dir, 'k.db');
    make(p, { cipher: 'aegis256', hexkey: HEX, format: 'pageseal' });
    expect(run(['verify', p, '--cipher', 'aegis256', '--format', 'pageseal'], { PAGESEAL_HEXKEY: HEX }).code).toBe(0);
    const wrongFormat = run(['verify', p, '--cipher', 'aegis256'], { PAGESEAL_HEXKEY: HEX });
    expect(wrongFormat.code).toBe(2);
    expect(wrongFormat.err).toMatch(/pageseal's format/);
    expect(run(['decrypt', p, p + '.plain', '--cipher', 'aegis256', '--format', 'pageseal'], { PAGESEAL_HEXKEY: HEX }).code).toBe(0);
    expect(run(['encrypt', p + '.plain', p + '.turso', '--cipher', 'aegis256'], { PAGESEAL_HEXKEY: HEX }).code).toBe(0);
    expect(info(p + '.turso').format).toBe('turso');

    const q = join(dir, 'p.db');
    make(q, { cipher: 'aegis256', passphrase: PASS, format: 'pageseal', kdf: { log2N: 11 } });
    expect(run(['verify', q, '--cipher', 'aegis256', '--format', 'pageseal'], { PAGESEAL_PASSPHRASE: PASS }).code).toBe(0);
    const wrong = run(['verify', q, '--cipher', 'aegis256', '--format', 'pageseal'], { PAGESEAL_PASSPHRASE: 'not it at all' });
    expect(wrong.code).toBe(1);
    expect(wrong.out + wrong.err).not.toContain('not it at all');
    expect(run(['verify', q, '--cipher', 'aegis256'], { PAGESEAL_PASSPHRASE: PASS }).code).toBe(2); // a passphrase needs --format pageseal
  });
});
