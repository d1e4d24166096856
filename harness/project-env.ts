// The project's pinned versions (versions.env) and this machine's local builds (.toolchain.env, written
// by scripts/toolchain.sh), for Node scripts and tests: one reader of both files.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

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

/** The app image the toolchain builds (scripts/images/app-image.sh), unless CB_APP_IMAGE names another. */
export function appImage(): string {
  loadToolchainEnv();
  return process.env.CB_APP_IMAGE ?? 'cloud-benchmark/app:dev';
}
export const APP_IMAGE = appImage();

/** Puts .toolchain.env's variables into process.env where the caller has not set them. */
export function loadToolchainEnv(): void {
  const file = resolve(REPO_ROOT, '.toolchain.env');
  if (!existsSync(file)) return;
  for (const [key, value] of Object.entries(readEnvFile(file))) process.env[key] ??= value;
}

/** The toolchain's cache directory, decided as scripts/lib/common.sh decides it. */
export function toolchainCache(): string {
  if (process.env.CLOUD_BENCHMARK_CACHE) return process.env.CLOUD_BENCHMARK_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/cloud-benchmark';
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cloud-benchmark');
}
