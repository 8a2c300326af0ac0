/**
 * The package as a user gets it: `npm pack`, then the tarball installed into a fresh temporary folder,
 * and four small projects above that install:
 *
 *   esm/   "type": "module", `import Database, { open } from 'pageseal'`
 *   cjs/   "type": "commonjs", `require('pageseal')` (the CommonJS build; Node 20 has no require(esm))
 *   ts/    TypeScript, module/moduleResolution nodenext, strict, skipLibCheck off: an ESM .ts and a
 *          CommonJS .cts must compile and run, and a file with `cipher: 'aegis265'` must not compile;
 *          no @types package is installed by hand (pageseal's dependencies bring them)
 *   bundle/ an esbuild bundle of a small app with pageseal.node copied beside it, run after the
 *          installed package folder has been moved away
 *
 * Each writes an encrypted database, reads it back, and the file on disk must hold no plaintext.
 * Also checked: the tarball holds LICENSE, README.md, SECURITY.md and docs/; the `pageseal` command runs.
 *
 * Time: better-sqlite3 is not built again: the repository's own built copy is linked in
 * (`npm install <folder>` makes a symlink), and the install runs with --ignore-scripts so that npm does
 * not rebuild that linked copy in place; then `npm rebuild pageseal` runs pageseal's own install script
 * (node-gyp rebuild), as a user's install does. Needs the registry (or npm's cache) for pageseal's
 * dependencies. Run: `npm run test:package` (CI runs it after `npm test`). KEEP=1 keeps the folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = 'plaintext-marker-5e0b';
const HEXKEY = '5a'.repeat(32);
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'pageseal-package-'));
const app = join(work, 'app');
let failures = 0;

function step(name) {
  console.log(`\n== ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function sh(cmd, args, cwd, opts = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (opts.mayFail) return r;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function check(what, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `\n     ${detail}`}`);
  if (!ok) failures++;
}

/** The database must be encrypted: no plaintext marker, no plain SQLite header. */
function checkOnDisk(what, path) {
  const bytes = readFileSync(path);
  check(`${what}: ${path.slice(work.length + 1)} holds no plaintext`, !bytes.includes(MARKER) && bytes.subarray(0, 15).toString('latin1') !== 'SQLite format 3');
}

function project(name, pkg, files) {
  const dir = join(app, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `pageseal-test-${name}`, private: true, ...pkg }, null, 2));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

/** The round trip each project runs, in its own module syntax (the import lines differ). */
const roundTrip = (db) => `
const encryption = { cipher: 'aegis256', hexkey: '${HEXKEY}' } as const;
const created = new Database(${JSON.stringify(db)}, { encryption });
created.exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES ('${MARKER}')");
created.close();
const again = open(${JSON.stringify(db)}, { encryption, readonly: true });
const value = again.prepare('SELECT x FROM t').pluck().get();
again.close();
let wrongKey = 'no error';
try { open(${JSON.stringify(db)}, { encryption: { cipher: 'aegis256', hexkey: '00'.repeat(32) } }); } catch (e) { wrongKey = e instanceof AuthenticationError ? 'AuthenticationError' : String(e); }
console.log(JSON.stringify({ value, wrongKey, defaultIsDatabase: Database === NamedDatabase }));
`;
const js = (s) => s.replace(' as const', '');
const EXPECTED = JSON.stringify({ value: MARKER, wrongKey: 'AuthenticationError', defaultIsDatabase: true });

function runProject(what, dir, file, db) {
  const r = sh(process.execPath, [file], dir, { mayFail: true });
  check(`${what}: round trip through the installed package`, r.status === 0 && r.stdout.trim() === EXPECTED, `${r.stdout}${r.stderr}`);
  if (existsSync(join(dir, db))) checkOnDisk(what, join(dir, db));
  else check(`${what}: database written`, false);
}

try {
  step('npm pack');
  const packed = sh('npm', ['pack', '--pack-destination', work, '--json'], ROOT);
  const tarInfo = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0];
  const tarball = join(work, tarInfo.filename);
  const inTar = new Set(tarInfo.files.map((f) => f.path));
  for (const f of ['LICENSE', 'README.md', 'SECURITY.md', 'docs/api.md', 'docs/format.md', 'docs/vfs.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'binding.gyp']) {
    check(`tarball has ${f}`, inTar.has(f));
  }
  check('LICENSE is MIT, 2026, pageseal contributors', /^MIT License\n\nCopyright \(c\) 2026 pageseal contributors\n/.test(readFileSync(join(ROOT, 'LICENSE'), 'utf8')));
  check('tarball has no build output, scratch database or test', ![...inTar].some((f) => /^(build|node_modules|test)\/|\.db$/.test(f)));

  step('npm install of the tarball into a fresh project (better-sqlite3: the repository\'s built copy, linked)');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pageseal-package-test', private: true }, null, 2));
  sh('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball, join(ROOT, 'node_modules', 'better-sqlite3')], app);
  step("npm rebuild pageseal (pageseal's own install script: node-gyp rebuild)");
  sh('npm', ['rebuild', 'pageseal'], app);
  const addon = join(app, 'node_modules', 'pageseal', 'build', 'Release', 'pageseal.node');
  check('the install script built the addon', existsSync(addon));
  check('no @types package was installed by hand, yet @types/better-sqlite3 is there', existsSync(join(app, 'node_modules', '@types', 'better-sqlite3')));

  step('ESM project');
  const esm = project('esm', { type: 'module' }, {
    'main.js': `import Database, { open, AuthenticationError, Database as NamedDatabase } from 'pageseal';\n${js(roundTrip('esm.db'))}`,
  });
  runProject('ESM', esm, 'main.js', 'esm.db');

  step('CommonJS project');
  const cjs = project('cjs', { type: 'commonjs' }, {
    'main.js': `const pageseal = require('pageseal');\nconst { open, AuthenticationError, Database: NamedDatabase } = pageseal;\nconst Database = pageseal.default;\n${js(roundTrip('cjs.db'))}`,
  });
  runProject('CommonJS', cjs, 'main.js', 'cjs.db');
  // As on a Node 20 before 20.19, where require() of an ES module fails: the CommonJS build must not
  // need it (its one ES-module-only dependency, @noble/ciphers, is bundled in; the TS cipher backend uses it).
  if (process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')) {
    for (const f of ['cjs.db', 'cjs.db-wal', 'cjs.db-shm']) rmSync(join(cjs, f), { force: true });
    const noRequireEsm = sh(
      process.execPath,
      ['--no-experimental-require-module', '-e', `require('./main.js'); const c = require('pageseal').getCipher('aes256gcm', { backend: 'ts' }); console.log(c.encrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(3)).tag.length)`],
      cjs,
      { mayFail: true },
    );
    check('CommonJS without require(esm): round trip and the TS cipher backend', noRequireEsm.status === 0 && noRequireEsm.stdout.trim() === `${EXPECTED}\n16`, noRequireEsm.stdout + noRequireEsm.stderr);
  }
  const version = sh(process.execPath, ['-p', "require('pageseal/package.json').version"], cjs, { mayFail: true });
  check("CommonJS: require('pageseal/package.json')", version.status === 0 && version.stdout.trim() === '0.1.0', version.stderr);

  step('TypeScript project (nodenext, strict)');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: false, esModuleInterop: true, outDir: 'out' };
  const ts = project('ts', { type: 'module' }, {
    'tsconfig.json': JSON.stringify({ compilerOptions, include: ['src'] }, null, 2),
    'tsconfig.bad.json': JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, include: ['bad'] }, null, 2),
  });
  mkdirSync(join(ts, 'src'));
  mkdirSync(join(ts, 'bad'));
  writeFileSync(join(ts, 'src', 'main.ts'), `import Database, { open, AuthenticationError, Database as NamedDatabase } from 'pageseal';\n${roundTrip('ts-esm.db')}`);
  writeFileSync(
    join(ts, 'src', 'legacy.cts'),
    `import Database from 'pageseal';\nimport { open, AuthenticationError, Database as NamedDatabase } from 'pageseal';\n${roundTrip('ts-cjs.db')}`,
  );
  writeFileSync(join(ts, 'bad', 'typo.ts'), `import { open } from 'pageseal';\nopen('x.db', { encryption: { cipher: 'aegis265', hexkey: '${HEXKEY}' } });\n`);
  const compiled = sh(process.execPath, [tsc, '-p', 'tsconfig.json'], ts, { mayFail: true });
  check('TypeScript: ESM and CommonJS sources compile with the published types (strict, skipLibCheck off)', compiled.status === 0, compiled.stdout);
  if (compiled.status === 0) {
    runProject('TypeScript ESM', ts, 'out/main.js', 'ts-esm.db');
    runProject('TypeScript CommonJS', ts, 'out/legacy.cjs', 'ts-cjs.db');
  }
  const bad = sh(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], ts, { mayFail: true });
  check("TypeScript: cipher: 'aegis265' does not compile", bad.status !== 0 && /bad\/typo\.ts\(2,\d+\): error TS\d+: Type '"aegis265"' is not assignable/.test(bad.stdout), bad.stdout);

  step('the pageseal command');
  const info = sh(join(app, 'node_modules', '.bin', 'pageseal'), ['info', join(esm, 'esm.db'), '--json'], app, { mayFail: true });
  check('npx pageseal info sees an aegis256 Turso file', info.status === 0 && JSON.parse(info.stdout || '{}').cipher === 'aegis256', info.stdout + info.stderr);
  const bench = sh(join(app, 'node_modules', '.bin', 'pageseal'), ['bench', '--quick', '--json', '--svg', 'chart.svg'], app, { mayFail: true });
  const benchJson = bench.status === 0 ? JSON.parse(bench.stdout) : {};
  const benchSvg = existsSync(join(app, 'chart.svg')) ? readFileSync(join(app, 'chart.svg'), 'utf8') : '';
  const everyCipher = ['aes128gcm', 'aes256gcm', 'aegis256', 'aegis256x2', 'aegis256x4', 'aegis128l', 'aegis128x2', 'aegis128x4'].every(
    (c) => benchJson.ciphers?.some((f) => f.cipher === c && f.encryptUs > 0) && benchSvg.includes(`data-group="${c} (`),
  );
  check('npx pageseal bench --quick --json --svg names every cipher, a recommendation, and charts every cipher', everyCipher && !!benchJson.recommendation?.cipher, bench.stdout.slice(0, 500) + bench.stderr);

  step('esbuild bundle, run without the package folder');
  const bundle = project('bundle', { type: 'commonjs' }, {
    'app.js': `import Database, { open, AuthenticationError, Database as NamedDatabase } from 'pageseal';\n${js(roundTrip('bundle.db'))}`,
  });
  await build({ entryPoints: [join(bundle, 'app.js')], outfile: join(bundle, 'dist', 'app.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['better-sqlite3'], logLevel: 'error' });
  copyFileSync(addon, join(bundle, 'dist', 'pageseal.node'));
  renameSync(join(app, 'node_modules', 'pageseal'), join(work, 'pageseal-moved-away'));
  runProject('esbuild bundle', bundle, 'dist/app.js', 'bundle.db');
} catch (e) {
  failures++;
  console.error(e);
} finally {
  console.log(`\n${failures === 0 ? 'package test passed' : `package test FAILED (${failures})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (process.env.KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(failures === 0 ? 0 : 1);
