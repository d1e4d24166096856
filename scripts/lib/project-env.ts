// The project's pinned versions (versions.env) and this machine's local builds (.toolchain.env, written
// by scripts/toolchain.sh), for Node scripts and tests: one reader of both files.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** KEY=value lines, as in versions.env and .toolchain.env. */
export function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export const versions = readEnvFile(resolve(REPO_ROOT, 'versions.env'));

/** Puts .toolchain.env's variables into process.env where the caller has not set them. */
export function loadToolchainEnv(): void {
  const file = resolve(REPO_ROOT, '.toolchain.env');
  if (!existsSync(file)) return;
  for (const [key, value] of Object.entries(readEnvFile(file))) process.env[key] ??= value;
}
