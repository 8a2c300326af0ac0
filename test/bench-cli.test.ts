/**
 * `pageseal bench` as a user runs it (the built dist/cli.js in a child process): --quick --json --svg
 * names every cipher with figures for each of its paths and a recommendation, and the chart has a bar
 * pair per cipher and the plain baseline. Structure only: no test depends on a timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CIPHER_NAMES } from '../src/ciphers/registry.js';
import { recommend } from '../src/bench/recommend.js';
import type { PathFigure } from '../src/bench/cipher-speed.js';
import { renderSvg } from '../src/bench/svg.js';
import { CLI, ensureBuiltCli } from './helpers/built-cli.js';

let dir: string;

function pageseal(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, ...env }, timeout: 60_000 });
}

beforeAll(() => {
  ensureBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'pageseal-bench-test-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pageseal bench --quick --json --svg', () => {
  let json: any;
  let svg: string;
  beforeAll(() => {
    const r = pageseal(['bench', '--quick', '--json', '--svg', 'chart.svg', '--page-size', '8192']);
    expect(r.stderr).toBe(''); // not a terminal: no progress lines
    expect(r.status).toBe(0);
    json = JSON.parse(r.stdout);
    svg = readFileSync(join(dir, 'chart.svg'), 'utf8');
  }, 60_000);

  it('names every cipher with encrypt and decrypt figures for 4 KiB and the page size given, on the used and the portable path', () => {
    expect(json.options.pageSizes).toEqual([4096, 8192]);
    for (const name of CIPHER_NAMES) {
      for (const ps of [4096, 8192]) {
        const rows = json.ciphers.filter((f: PathFigure) => f.cipher === name && f.pageSize === ps);
        expect(rows.some((f: PathFigure) => f.path === 'portable'), `${name} portable`).toBe(true);
        expect(rows.filter((f: PathFigure) => f.used), `${name} used path`).toHaveLength(1);
        for (const f of rows) {
          expect(f.encryptUs).toBeGreaterThan(0);
          expect(f.decryptUs).toBeGreaterThan(0);
          expect(Number.isFinite(f.encryptUs + f.decryptUs)).toBe(true);
        }
      }
    }
    expect(json.plainPageReadUs).toBeGreaterThan(0);
    expect(json.machine.cpu).toBeTruthy();
    expect(Array.isArray(json.machine.load)).toBe(true);
  });

  it('ends with a recommendation of a 256-bit cipher that says why', () => {
    const rec = json.recommendation;
    expect(CIPHER_NAMES).toContain(rec.cipher);
    expect(['aes256gcm', 'aegis256', 'aegis256x2', 'aegis256x4']).toContain(rec.fastest256);
    expect(CIPHER_NAMES).toContain(rec.fastestOverall);
    expect(rec.reasons[0]).toMatch(new RegExp(`^${rec.fastest256} is the fastest cipher with a 256-bit key`));
    expect(rec.reasons.join(' ') + rec.warnings.join(' ')).toMatch(/2\^32 page writes/);
  });

  it('writes an SVG chart with an encrypt and a decrypt bar for every cipher and the plain baseline', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    for (const name of CIPHER_NAMES) {
      expect(svg).toMatch(new RegExp(`<rect class="bar encrypt" data-group="${name} \\(`));
      expect(svg).toMatch(new RegExp(`<rect class="bar decrypt" data-group="${name} \\(`));
    }
    expect(svg.match(/class="bar encrypt"/g)).toHaveLength(CIPHER_NAMES.length);
    expect(svg.match(/class="baseline"/g)).toHaveLength(1);
    expect(svg).toMatch(/plain SQLite page read/);
    // well-formed enough for a browser: every <g> closed, no raw '<' in text
    expect(svg.match(/<g /g)!.length).toBe(svg.match(/<\/g>/g)!.length);
  });
});

describe('pageseal bench (text, usage)', () => {
  it('prints the table and ends with the recommendation', () => {
    const r = pageseal(['bench', '--quick']);
    expect(r.status).toBe(0);
    for (const name of CIPHER_NAMES) expect(r.stdout).toMatch(new RegExp(`^${name} `, 'm'));
    expect(r.stdout).toMatch(/\nRecommendation: (aes256gcm|aegis256|aegis256x2|aegis256x4)\n/);
  }, 60_000);

  it('says the CPU path is portable and warns when AES instructions are not used', () => {
    const r = pageseal(['bench', '--quick', '--json'], { PAGESEAL_FORCE_PORTABLE: '1' });
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.ciphers.every((f: PathFigure) => f.path === 'portable')).toBe(true);
    expect(json.recommendation.warnings.join(' ')).toMatch(/portable C path/);
  }, 60_000);

  it('refuses a bad page size and an unknown option with a one-line usage error (exit 2)', () => {
    for (const args of [['bench', '--page-size', '1000'], ['bench', '--fast'], ['bench', '--svg'], ['bench', '--quick', '--svg', join(dir, 'no-such-dir', 'c.svg')]]) {
      const r = pageseal(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^pageseal: /);
    }
    expect(existsSync(join(dir, 'undefined'))).toBe(false);
  });
});

describe('recommend() and the SVG module', () => {
  const fig = (cipher: PathFigure['cipher'], path: string, e: number, used = true): PathFigure => ({ cipher, path, used, pageSize: 4096, encryptUs: e, decryptUs: e });

  it('recommends the fastest 256-bit cipher, names a faster 128-bit one, and warns about GCM nonces when GCM wins', () => {
    const r = recommend([fig('aes256gcm', 'aesni', 0.2), fig('aegis256', 'aesni', 0.4), fig('aegis128x4', 'aesni', 0.1), fig('aes128gcm', 'aesni', 0.3)], 4096);
    expect(r.cipher).toBe('aes256gcm');
    expect(r.fastestOverall).toBe('aegis128x4');
    expect(r.warnings.join(' ')).toMatch(/96-bit random nonces.*2\^32/);
  });

  it('warns when every cipher runs on the portable path, with the slowdown against a fast path', () => {
    const r = recommend([fig('aegis256', 'portable', 8), fig('aegis256', 'aesni', 0.4, false), fig('aegis128l', 'portable', 4)], 4096);
    expect(r.cipher).toBe('aegis256');
    expect(r.warnings.join(' ')).toMatch(/portable C path, 20\.00x slower/);
  });

  it('escapes text and draws one bar per value', () => {
    const svg = renderSvg([{ title: 'a<b & "c"', unit: 'µs', series: [{ key: 's', label: 's', color: '#000' }], groups: [{ label: 'x', values: { s: 1 } }, { label: 'y', values: { s: 2 } }] }]);
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(svg.match(/class="bar s"/g)).toHaveLength(2);
    expect(svg).not.toContain('class="baseline"');
  });
});
