// The locally built stack (scripts/toolchain.sh): every program prints the pinned version, the
// collector accepts the project's config and contains every component it names, and each backend
// image starts and answers its health endpoint. Runs against the builds recorded in .toolchain.env.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerUnavailable, skipLoudly, versions } from '../helpers/images.ts';

const repo = resolve(import.meta.dirname, '../..');
const binDir = process.env.CB_BIN_DIR;
const skipBinaries = skipLoudly(
  'toolchain smoke tests',
  !binDir || !existsSync(binDir) ? 'no toolchain builds (run scripts/toolchain.sh)' : undefined,
);

const bin = (name: string) => join(binDir ?? '', name);
const run = (file: string, args: string[]) =>
  execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
const tagOf = (image: string) => image.slice(image.lastIndexOf(':') + 1);

describe.skipIf(skipBinaries)('programs built from the Go module proxy', () => {
  it.each([
    [
      'prometheus',
      ['--version'],
      `prometheus, version ${tagOf(versions.PROMETHEUS_IMAGE!).replace(/^v/, '')}`,
    ],
    ['promtool', ['--version'], `promtool, version ${tagOf(versions.PROMETHEUS_IMAGE!).replace(/^v/, '')}`],
    [
      'node_exporter',
      ['--version'],
      `node_exporter, version ${versions.NODE_EXPORTER_MODULE_VERSION!.replace(/^v/, '')}`,
    ],
    ['otelcol', ['--version'], `version ${versions.OTELCOL_VERSION}`],
    ['docker-compose', ['version'], versions.COMPOSE_MODULE_VERSION!],
    ['actionlint', ['--version'], versions.ACTIONLINT_MODULE_VERSION!],
  ])('%s prints its pinned version', (name, args, expected) => {
    expect(run(bin(name), args)).toContain(expected);
  });

  it('jaeger (v2) runs and reports its version', () => {
    const out = run(bin('jaeger'), ['version']);
    expect(out).toMatch(/gitVersion|version/i);
  });
});

describe.skipIf(skipBinaries)('collector configs and build agree', () => {
  // The stack's config, and the tests' Loki stand-in (a Collector at Loki's OTLP path).
  const configs = [
    join(repo, 'observability/otel-collector/config.yaml'),
    join(repo, 'test/e2e/fixtures/loki-standin.yaml'),
  ];

  it.each(configs)('validates %s', (configPath) => {
    expect(() => run(bin('otelcol'), ['validate', '--config', configPath])).not.toThrow();
  });

  it.each(configs)('contains every component %s names', (configPath) => {
    const config = parse(readFileSync(configPath, 'utf8')) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    const built = parse(run(bin('otelcol'), ['components'])) as Record<
      string,
      { name: string }[] | undefined
    >;
    for (const kind of ['receivers', 'processors', 'exporters', 'extensions'] as const) {
      const available = new Set((built[kind] ?? []).map((c) => c.name));
      for (const id of Object.keys(config[kind] ?? {})) {
        const type = id.split('/')[0]!;
        expect(available, `${kind}: ${type} (from ${id}) is not in builder-config.yaml`).toContain(type);
      }
    }
  });
});

const images: [string, string | undefined, number, string][] = [
  ['prometheus', process.env.CB_PROMETHEUS_IMAGE, 9090, '/-/ready'],
  ['node-exporter', process.env.CB_NODE_EXPORTER_IMAGE, 9100, '/metrics'],
  ['jaeger', process.env.CB_JAEGER_IMAGE, 13133, '/status'],
  ['otelcol', process.env.CB_OTELCOL_IMAGE, 13133, '/'],
];

describe.each(images)('backend image %s', (name, image, port, path) => {
  const skip = image ? dockerUnavailable(image) : dockerUnavailable(`(no local ${name} image)`);
  let container: StartedTestContainer | undefined;
  afterAll(() => {
    if (container) execFileSync('docker', ['rm', '-f', container.getId()], { stdio: 'ignore' });
  });

  it.skipIf(skip)(
    `starts and answers ${path} on ${port}`,
    async () => {
      container = await new GenericContainer(image!)
        .withExposedPorts(port)
        .withWaitStrategy(Wait.forHttp(path, port).forStatusCode(200))
        .withStartupTimeout(60_000)
        .start();
      const res = await fetch(`http://${container.getHost()}:${container.getMappedPort(port)}${path}`);
      expect(res.status).toBe(200);
    },
    90_000,
  );
});
