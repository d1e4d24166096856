// Which images the integration tests run, and whether a Docker engine is there to run them.
// Image names come from variables whose defaults are the official images; scripts/toolchain.sh points
// them at the local builds on machines without a registry. Without an engine the tests skip loudly,
// unless CB_REQUIRE_DOCKER=1 (set by CI), where a missing engine is a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The ryuk reaper image cannot be pulled without a registry; every test removes what it starts.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// Inside a container (as the build machines are) testcontainers would reach published ports through the
// bridge gateway, but the project publishes on 127.0.0.1 only: the engine is local, so use loopback.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

const repo = resolve(import.meta.dirname, '../..');

/** KEY=value lines, as in versions.env and .toolchain.env. */
function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export const versions = readEnvFile(resolve(repo, 'versions.env'));

// scripts/toolchain.sh records the local builds; variables set by the caller win.
const toolchainEnv = resolve(repo, '.toolchain.env');
if (existsSync(toolchainEnv)) {
  for (const [key, value] of Object.entries(readEnvFile(toolchainEnv))) process.env[key] ??= value;
}

export const APP_IMAGE = process.env.CB_APP_IMAGE ?? 'cloud-benchmark/app:dev';

function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function imagePresent(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Why the Docker tests cannot run here, or undefined when they can. Throws when CI requires Docker. */
export function dockerUnavailable(image: string): string | undefined {
  const reason = !engineAnswers()
    ? 'no Docker engine answers (run scripts/toolchain.sh)'
    : !imagePresent(image)
      ? `image ${image} is not built (run scripts/toolchain.sh, or set CB_APP_IMAGE)`
      : undefined;
  return skipLoudly('Docker tests', reason);
}

/** Returns the reason to skip, printed loudly; where CI requires everything (CB_REQUIRE_DOCKER=1), throws. */
export function skipLoudly(what: string, reason: string | undefined): string | undefined {
  if (reason && process.env.CB_REQUIRE_DOCKER === '1')
    throw new Error(`${what} required here, but ${reason}`);
  if (reason) console.warn(`\n!!! SKIPPING ${what}: ${reason} !!!\n`);
  return reason;
}
