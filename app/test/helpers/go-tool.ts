// Builds one of the repository's small Go test tools (test/tools/<name>) into a cache outside the
// repository and returns the binary's path. Go's own build cache makes repeat builds take ~1 s.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { toolchainCache } from '../../../harness/project-env.ts';

export { toolchainCache };

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');

export async function buildGoTool(name: string): Promise<string> {
  const outDir = join(toolchainCache(), 'test-tools');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, name);
  await run('go', ['build', '-o', out, '.'], {
    cwd: join(repo, 'test/tools', name),
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    timeout: 300_000,
  });
  return out;
}

export async function runWithInput(
  binary: string,
  input: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(binary, args, { timeout: 30_000 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') reject(new Error(`${binary}: ${error.message}`));
      else resolvePromise({ code: typeof error?.code === 'number' ? error.code : 0, stdout });
    });
    child.stdin?.end(input);
  });
}
