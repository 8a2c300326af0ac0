/**
 * The public types as a TypeScript user sees them: one `tsc --noEmit` over test/fixtures/types/,
 * where ok/ must compile with no error and every line of fail/ that follows an `expect-error` marker
 * must have an error (and no other line may), e.g. `cipher: 'aegis265'`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'types');

interface Diagnostic {
  file: string;
  line: number;
  text: string;
}

function runTsc(): Diagnostic[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(FIXTURES, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const diags: Diagnostic[] = [];
  for (const l of out.split('\n')) {
    const m = /^(.+?)\((\d+),\d+\): error (.*)$/.exec(l);
    if (m) diags.push({ file: relative(FIXTURES, join(ROOT, m[1]!)), line: Number(m[2]), text: m[3]! });
  }
  return diags;
}

/** Lines (1-based) that must have an error: those right after an `expect-error` comment. */
function expectedLines(file: string): number[] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .flatMap((l, i) => (/^\s*\/\/ expect-error/.test(l) ? [i + 2] : []));
}

describe('public types (tsc --noEmit over fixtures)', () => {
  const diags = runTsc();
  const failFiles = readdirSync(join(FIXTURES, 'fail')).map((f) => join('fail', f));

  it('correct code compiles with no error (default export, better-sqlite3 options, canonical ciphers)', () => {
    expect(diags.filter((d) => !d.file.startsWith('fail'))).toEqual([]);
  });

  it.each(failFiles)('%s: each marked line is an error, and only those', (file) => {
    const want = expectedLines(file);
    expect(want.length).toBeGreaterThan(0);
    const got = diags.filter((d) => d.file === file);
    expect([...new Set(got.map((d) => d.line))].sort((a, b) => a - b)).toEqual(want);
  });

  it("cipher: 'aegis265' is refused as not one of the cipher names", () => {
    const typo = diags.find((d) => d.file === join('fail', 'cipher-typo.ts') && d.text.includes('"aegis265"'));
    expect(typo?.text).toMatch(/TS(2322|2820): Type '"aegis265"' is not assignable to type '.*"aegis256".*'/);
  });
});

describe('emitted declarations in a CommonJS project without esModuleInterop (skipLibCheck false)', () => {
  it('compile with no error (no default import of better-sqlite3 in them: TS1259)', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = join(ROOT, 'node_modules', '.cache', 'pageseal-types-cjs');
    rmSync(out, { recursive: true, force: true });
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--declaration', '--emitDeclarationOnly', '--outDir', out], { cwd: ROOT });
    let errors = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', join(FIXTURES, 'cjs', 'tsconfig.json'), '--pretty', 'false'], { cwd: ROOT, encoding: 'utf8' });
    } catch (e) {
      errors = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(errors).toBe('');
  }, 120_000);
});
