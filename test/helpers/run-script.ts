/**
 * Running a TypeScript helper from test/helpers in another Node process (through vite-node), and a
 * small assertion helper the API suites share.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RunOptions {
  /** Node flags placed before the script (e.g. --expose-gc). */
  nodeArgs?: string[];
  /** Run under `ulimit -f` with SIGXFSZ ignored, so writes past the limit fail (a full disk). */
  fileSizeLimitKiB?: number;
}

/** Runs test/helpers/<name> with `args` and extra `env`; resolves with its stdout, rejects on a non-zero exit. */
export function runScript(name: string, args: string[], env: Record<string, string>, options: RunOptions = {}): Promise<string> {
  const viteNode = join(process.cwd(), 'node_modules', 'vite-node', 'vite-node.mjs');
  const script = join(process.cwd(), 'test', 'helpers', name);
  const argv = [process.execPath, ...(options.nodeArgs ?? []), viteNode, script, ...args];
  const [command, commandArgs] =
    options.fileSizeLimitKiB === undefined
      ? [argv[0]!, argv.slice(1)]
      : ['bash', ['-c', `trap '' XFSZ; ulimit -f ${options.fileSizeLimitKiB}; exec "$@"`, 'bash', ...argv]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errOut = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (errOut += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${errOut}`))));
  });
}

/** Runs `fn`, expecting it to throw; returns the error. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}
