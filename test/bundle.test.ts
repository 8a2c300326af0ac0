/**
 * pageseal bundled into an app (esbuild), where the package folder is gone: the addon is found beside
 * the bundle, or through PAGESEAL_ADDON_PATH, or install({ addonPath }), or under app.asar.unpacked
 * (Electron); and when it is nowhere, the error says how to name it. Each app runs in its own Node
 * process, from a folder outside the repository, with better-sqlite3 left external (as the recipes in
 * docs/api.md do), and writes an encrypted database that must hold no plaintext.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonPath } from '../src/addon.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARKER = 'plaintext-marker-7d1c';
let dir: string;

const APP = `
import Database, { open, install } from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};
const [dbPath, addon] = process.argv.slice(2);
if (addon) install({ addonPath: addon });
const encryption = { cipher: 'aegis256', hexkey: '42'.repeat(32) } as const;
const db = new Database(dbPath, { encryption });
db.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('${MARKER}')");
db.close();
const again = open(dbPath, { encryption });
console.log(JSON.stringify({ value: again.prepare('SELECT x FROM t').pluck().get() }));
again.close();
`;

/** Names the addon twice: the same file again is fine, another file once one is loaded is refused. */
const SWITCH_APP = `
import { install, InvalidOptionsError } from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};
const [first, same, other] = process.argv.slice(2);
install({ addonPath: first });
install({ addonPath: same });
let refused = 'no error';
try { install({ addonPath: other }); } catch (e) { refused = e instanceof InvalidOptionsError ? e.message : String(e); }
console.log(JSON.stringify({ refused }));
`;

async function bundle(name: string, format: 'cjs' | 'esm', entry = 'app.ts'): Promise<string> {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  const outfile = join(out, format === 'esm' ? 'app.mjs' : 'app.cjs');
  await build({ entryPoints: [join(dir, entry)], outfile, bundle: true, platform: 'node', format, target: 'node20', external: ['better-sqlite3'], logLevel: 'error' });
  return outfile;
}

function run(app: string, db: string, extraArgs: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [app, db, ...extraArgs], { cwd: dir, encoding: 'utf8', env: { ...process.env, PAGESEAL_ADDON_PATH: '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectRoundTrip(r: ReturnType<typeof run>, db: string): void {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ value: MARKER });
  const bytes = readFileSync(db);
  expect(bytes.includes(MARKER)).toBe(false);
  expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pageseal-bundle-'));
  writeFileSync(join(dir, 'app.ts'), APP);
  writeFileSync(join(dir, 'switch.ts'), SWITCH_APP);
  // Only better-sqlite3 is installed in the app's folder (it stays external); pageseal is in the bundle.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules', 'better-sqlite3'), join(dir, 'node_modules', 'better-sqlite3'), 'dir');
  execFileSync(process.execPath, ['-e', 'require("better-sqlite3")'], { cwd: dir });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an esbuild bundle finds the addon without the package folder', () => {
  it('CommonJS bundle with pageseal.node copied beside it: encrypted round trip', async () => {
    const app = await bundle('cjs-beside', 'cjs');
    copyFileSync(addonPath(), join(dir, 'cjs-beside', 'pageseal.node'));
    const db = join(dir, 'cjs-beside.db');
    expectRoundTrip(run(app, db), db);
  });

  it('ESM bundle with the addon named by PAGESEAL_ADDON_PATH', async () => {
    const app = await bundle('esm-env', 'esm');
    const db = join(dir, 'esm-env.db');
    expectRoundTrip(run(app, db, [], { PAGESEAL_ADDON_PATH: addonPath() }), db);
  });

  it('ESM bundle with the addon named by install({ addonPath })', async () => {
    const app = await bundle('esm-option', 'esm');
    const db = join(dir, 'esm-option.db');
    expectRoundTrip(run(app, db, [addonPath()]), db);
  });

  it('a path inside app.asar is loaded from app.asar.unpacked (Electron)', async () => {
    const app = await bundle('asar', 'cjs');
    mkdirSync(join(dir, 'resources', 'app.asar.unpacked'), { recursive: true });
    copyFileSync(addonPath(), join(dir, 'resources', 'app.asar.unpacked', 'pageseal.node'));
    const db = join(dir, 'asar.db');
    expectRoundTrip(run(app, db, [join(dir, 'resources', 'app.asar', 'pageseal.node')]), db);
  });

  it('no addon anywhere: a typed error that says how to name it, and no database file', async () => {
    const app = await bundle('missing', 'cjs');
    const db = join(dir, 'missing.db');
    const r = run(app, db);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/PagesealError: the pageseal native addon is not available: pageseal addon not found/);
    expect(r.stderr).toContain('install({ addonPath })');
    expect(r.stderr).toContain('PAGESEAL_ADDON_PATH');
    expect(spawnSync('test', ['-e', db]).status).not.toBe(0);
  });

  it('once an addon is loaded, install({ addonPath }) may name it again but not another file (InvalidOptionsError)', async () => {
    const app = await bundle('switch', 'cjs', 'switch.ts');
    const other = join(dir, 'switch', 'other.node');
    copyFileSync(addonPath(), other);
    const r = spawnSync(process.execPath, [app, addonPath(), addonPath(), other], { cwd: dir, encoding: 'utf8', env: { ...process.env, PAGESEAL_ADDON_PATH: '' } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ refused: `the pageseal addon is already loaded from ${addonPath()}; it cannot be switched to ${other}` });
  });

  it('an explicit PAGESEAL_ADDON_PATH that does not exist is an error, not a silent fallback to another file', async () => {
    const app = await bundle('bad-env', 'cjs');
    copyFileSync(addonPath(), join(dir, 'bad-env', 'pageseal.node'));
    const r = run(app, join(dir, 'bad-env.db'), [], { PAGESEAL_ADDON_PATH: join(dir, 'nowhere', 'pageseal.node') });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${join(dir, 'nowhere', 'pageseal.node')} (from PAGESEAL_ADDON_PATH) does not exist`);
  });
});
