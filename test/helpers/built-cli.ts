/**
 * The `pageseal` command as a user runs it: the built dist/cli.js, run in a child process by the CLI
 * suites. `ensureBuiltCli()` builds dist/ when it is missing or older than the sources (`npm install`
 * normally did it through `prepare`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');

/** Newest modification time of the TypeScript sources. */
function newestSource(dir = join(ROOT, 'src')): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuiltCli(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource()) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'pipe' });
  } catch {
    // tsc still emits JavaScript when some other file has a type error; the check below decides
  }
  if (!existsSync(CLI)) throw new Error('dist/cli.js was not built (npm run build)');
}
