/**
 * The CommonJS build, beside tsc's ESM build in dist/ (run by `npm run build` after tsc).
 *
 * Why a second build: `require('pageseal')` must work on Node 20, where require() of an ES module is
 * not available by default (it is from Node 20.19 on; engines allows any Node 20). esbuild turns
 * src/index.ts into one CommonJS file, dist/cjs/index.js. better-sqlite3 stays external (the user's own
 * copy, whose SQLite the VFS goes into); @noble/ciphers is bundled in, because it is an ES module
 * only, which a Node 20 before 20.19 cannot require().
 * The declaration files tsc wrote are copied to dist/cjs/ as well: under dist/cjs/package.json's
 * "type": "commonjs" TypeScript reads them as CommonJS declarations, which is what a `require`
 * consumer with moduleResolution node16/nodenext needs.
 *
 * Both builds come from the same sources, so they export the same names; the default export (the
 * Database class) is `exports.default` in CommonJS, with `__esModule` set, so TypeScript's and
 * bundlers' default-import interop find it.
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'cjs');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: join(out, 'index.js'),
  bundle: true,
  external: ['better-sqlite3'],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // src/addon.ts finds itself through __filename first and only falls back to import.meta.url.
  logOverride: { 'empty-import-meta': 'silent' },
});

writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');

/** Every .d.ts under dist/ (not under dist/cjs), copied to the same place under dist/cjs. */
function copyDeclarations(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== out) copyDeclarations(p);
    } else if (e.name.endsWith('.d.ts')) {
      const to = join(out, relative(dist, p));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(p, to);
    }
  }
}
copyDeclarations(dist);
