// The project's pinned versions (versions.env) and this machine's local builds (.toolchain.env, written
// by scripts/toolchain.sh), for Node scripts and tests: one reader of both files.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
/** The folder users run `docker compose` in. */
export const COMPOSE_DIR = resolve(REPO_ROOT, 'compose');

/** KEY=value lines, as in versions.env and .toolchain.env. */
export function readEnvFile(path: string): Record<string, string> {
  return parseEnvText(readFileSync(path, 'utf8'));
}

function parseEnvText(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * versions.env, validated: every key the project reads must be there and well-formed, or every script
 * stops at once naming it (a BENCH_CPUS of "two" would otherwise become NaN limits).
 */
const VersionsSchema = z.looseObject({
  NODE_VERSION: z.string().regex(/^\d+\.\d+\.\d+$/, 'a version like 24.21.0'),
  NODE_EXPORTER_MODULE_VERSION: z.string().regex(/^v\d+\.\d+\.\d+$/, 'a module version like v1.12.1'),
  PROMETHEUS_IMAGE: z.string().min(1),
  K6_IMAGE: z.string().min(1),
  BENCH_CPUS: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a positive number of CPUs, e.g. 1 or 1.5')
    .refine((v) => Number(v) > 0, 'a positive number of CPUs'),
  BENCH_MEMORY_MIB: z.string().regex(/^[1-9]\d*$/, 'a positive whole number of MiB'),
});

export function parseVersions(text: string, source = 'versions.env'): Record<string, string> {
  const parsed = VersionsSchema.safeParse(parseEnvText(text));
  if (!parsed.success) throw new Error(`${source}: ${z.prettifyError(parsed.error)}`);
  return parsed.data as Record<string, string>;
}

export const versions = parseVersions(readFileSync(resolve(REPO_ROOT, 'versions.env'), 'utf8'));

/** The tag of an image reference `repository:tag[@sha256:digest]` (a registry's port is not a tag). */
export function imageTag(image: string): string {
  const ref = image.split('@')[0]!;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : 'latest';
}

/** The fair comparison's limits (versions.env): every copy of the app gets exactly these. */
export const benchLimits = {
  cpus: Number(versions.BENCH_CPUS),
  memoryMib: Number(versions.BENCH_MEMORY_MIB),
} as const;

/** The app image the toolchain builds (scripts/images/app-image.sh), unless CB_APP_IMAGE names another. */
export function appImage(): string {
  loadToolchainEnv();
  return process.env.CB_APP_IMAGE ?? 'cloud-benchmark/app:dev';
}

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
