// The app image as users run it: limited to 1 CPU and 512 MiB, non-root, healthy by its own
// HEALTHCHECK, telling /status it is in a container with those limits, stopping cleanly on SIGTERM.
import { execFileSync } from 'node:child_process';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_IMAGE, dockerUnavailable } from '../helpers/images.ts';

const skip = dockerUnavailable(APP_IMAGE);
const MEMORY_BYTES = 512 * 1024 * 1024;

describe.skipIf(skip)(`app image ${APP_IMAGE}`, () => {
  let container: StartedTestContainer;
  let url: string;

  beforeAll(async () => {
    container = await new GenericContainer(APP_IMAGE)
      .withExposedPorts(8080)
      .withResourcesQuota({ cpu: 1, memory: MEMORY_BYTES / 1024 ** 3 })
      .withEnvironment({ OTEL_SDK_DISABLED: 'true' })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(60_000)
      .start();
    url = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
  }, 120_000);

  afterAll(() => {
    if (container) execFileSync('docker', ['rm', '-f', container.getId()], { stdio: 'ignore' });
  });

  it('becomes healthy through its own HEALTHCHECK and answers /health', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
  });

  it('reports the container environment and the limits it was given', async () => {
    const status = (await (await fetch(`${url}/status`)).json()) as Record<string, unknown>;
    expect(status.environment).toBe('container');
    expect(status.node_version).toMatch(/^24\./);
    expect(status.limits).toMatchObject({ cpus: 1, memory_bytes: MEMORY_BYTES });
  });

  it('runs as the unprivileged node user, with the bundle only (no node_modules, no npm cache)', async () => {
    const id = await container.exec(['id', '-u']);
    expect(id.output.trim()).toBe('1000');
    const ls = await container.exec([
      'sh',
      '-c',
      'ls -A /app; ls -A /app/dist | grep -c mjs$; test -e /app/node_modules && echo HAS_NODE_MODULES; test -d /home/node/.npm && echo HAS_NPM_CACHE; true',
    ]);
    expect(ls.output).toContain('dist');
    expect(ls.output).not.toContain('HAS_NODE_MODULES');
    expect(ls.output).not.toContain('HAS_NPM_CACHE');
  });

  it('cannot modify its own code', async () => {
    const write = await container.exec(['sh', '-c', 'echo x >> /app/dist/main.mjs']);
    expect(write.exitCode).not.toBe(0);
  });

  it('exits 0 on docker stop (SIGTERM, graceful drain)', async () => {
    await container.stop({ remove: false, timeout: 15_000 });
    const exitCode = execFileSync(
      'docker',
      ['inspect', '--format', '{{.State.ExitCode}}', container.getId()],
      {
        encoding: 'utf8',
      },
    ).trim();
    expect(exitCode).toBe('0');
  });
});
