// Which images the integration tests run, and whether a Docker engine is there to run them.
// Image names come from variables whose defaults are the official images; scripts/toolchain.sh points
// them at the local builds on machines without a registry. Without an engine the tests skip loudly,
// unless CB_REQUIRE_DOCKER=1 (set by CI), where a missing engine is a failure.
import { execFileSync } from 'node:child_process';
import { appImage, loadToolchainEnv, versions } from '../../harness/project-env.ts';

// The ryuk reaper image cannot be pulled without a registry; every test removes what it starts.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// Inside a container (as the build machines are) testcontainers would reach published ports through the
// bridge gateway, but the project publishes on 127.0.0.1 only: the engine is local, so use loopback.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

// scripts/toolchain.sh records the local builds; variables set by the caller win.
loadToolchainEnv();
export { versions };

export const APP_IMAGE = appImage();

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
