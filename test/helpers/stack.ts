// The compose stack for the end-to-end tests: the harness's stack (harness/stack.ts), started with
// testcontainers, and the loud skip (a failure where CI requires Docker) where compose is missing.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import {
  COMPOSE_DIR,
  downStack,
  NOT_RUNNABLE_HERE,
  PROJECT,
  RUNNABLE_SERVICES,
  stackEnvironment,
} from '../../harness/stack.ts';
import { expect } from 'vitest';
import { skipLoudly } from './images.ts';

export * from '../../harness/stack.ts';

/** Why the stack cannot start here, or undefined (loud skip; a failure where CI requires Docker). */
export function stackUnavailable(): string | undefined {
  let reason: string | undefined;
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    reason = 'docker compose is not available (run scripts/toolchain.sh)';
  }
  return skipLoudly('end-to-end stack tests', reason);
}

/** Prints, loudly, which services of the stack the tests leave out and why. */
export function announceLeftOut(): void {
  const lines = Object.entries(NOT_RUNNABLE_HERE).map(([s, why]) => `    ${s}: ${why}`);
  console.warn(
    `\n!!! NOT STARTED in the end-to-end stack (checked otherwise, see docs/upstream-evidence.md):\n${lines.join('\n')}\n!!!\n`,
  );
}

export async function startStack(): Promise<StartedDockerComposeEnvironment> {
  // A stack left over by an interrupted run would hold the ports and the data.
  downStack();
  return (
    new DockerComposeEnvironment(COMPOSE_DIR, 'compose.yaml')
      .withProjectName(PROJECT)
      .withProfiles('host')
      // `--wait`: compose's own readiness (every health check passing), as users run it. Then
      // testcontainers checks each container: its health check, or for the Collector, whose image has no
      // program to run one, its health endpoint from outside.
      .withClientOptions({ composeOptions: ['--ansi', 'never'], commandOptions: ['--wait'] })
      .withEnvironment(stackEnvironment())
      .withWaitStrategy('otel-collector-1', Wait.forHttp('/', 13133))
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(180_000)
      .up(RUNNABLE_SERVICES)
  );
}

/**
 * Sends `GET url` with a trace id of our own (a W3C traceparent, sampled), expects 200 and returns the
 * trace id, so the test can look that exact trace and its log records up in the backends.
 */
export async function tracedGet(url: string): Promise<string> {
  const traceId = randomBytes(16).toString('hex');
  const res = await fetch(url, {
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status, `GET ${url}`).toBe(200);
  await res.arrayBuffer();
  return traceId;
}
