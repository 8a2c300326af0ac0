/**
 * Declared platforms: package.json's os/cpu, and binding.gyp's per-OS settings and early refusal elsewhere
 * (configured through node-gyp for other targets, in a scratch copy; nothing is compiled).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE_GYP = process.env.npm_config_node_gyp; // set by npm for scripts (npm test, npx)

it('package.json declares Linux and macOS on x64 and arm64', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { os?: string[]; cpu?: string[] };
  expect(pkg.os).toEqual(['linux', 'darwin']);
  expect(pkg.cpu).toEqual(['x64', 'arm64']);
});

describe.skipIf(!NODE_GYP)('binding.gyp per target (node-gyp configure only)', () => {
  const configure = (os: string, arch: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'pageseal-gyp-'));
    try {
      cpSync(join(ROOT, 'binding.gyp'), join(dir, 'binding.gyp'));
      cpSync(join(ROOT, 'src/native'), join(dir, 'src/native'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      const r = spawnSync(process.execPath, [NODE_GYP!, 'configure', `--arch=${arch}`, '--', `-DOS=${os}`], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      let makefile = '';
      try {
        makefile = readFileSync(join(dir, 'build', 'pageseal.target.mk'), 'utf8');
      } catch {
        // not configured
      }
      return { status: r.status, stderr: r.stderr, makefile };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('Linux gets hidden visibility and a non-executable stack', () => {
    const r = configure('linux', 'x64');
    expect(r.status, r.stderr).toBe(0);
    expect(r.makefile).toContain('-Wl,-z,noexecstack');
    expect(r.makefile).toContain('-fvisibility=hidden');
  });

  it('macOS configures without GNU linker flags', () => {
    const r = configure('mac', 'arm64');
    expect(r.status, r.stderr).toBe(0);
    expect(r.makefile).toContain('cpu_arm64.o');
    expect(r.makefile).not.toContain('noexecstack');
  });

  for (const [os, arch] of [['win', 'x64'], ['linux', 'ia32']]) {
    it(`${os}/${arch} stops before compiling, with a message`, () => {
      const r = configure(os, arch);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`pageseal: ${os}/${arch} is not supported`);
      expect(r.makefile).toBe('');
    });
  }
});
