// The Collector → Loki wire path, end to end: the app in its container logs through the stack's
// Collector (compose/compose.yaml, its otlp_http/loki exporter and persistent queue) to whatever answers
// at loki:3100/otlp/v1/logs. Loki may not run on the project's machines (AGPL), so a Collector stands in
// there (fixtures/loki-standin.yaml) and prints what it receives: exactly one record per request arrives,
// with its trace id and the attributes Loki indexes or keeps as structured metadata; then the endpoint is
// down for 60 s while requests go on, and when it is back every record of the outage arrives too.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../harness/ports.ts';
import { parseDebugLogs } from '../helpers/collector-debug.ts';
import { skipLoudly } from '../helpers/images.ts';
import { COMPOSE_DIR, stackEnvironment, tracedGet } from '../helpers/stack.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const PROJECT = `cb-loki-${randomBytes(3).toString('hex')}`;
const OUTAGE_MS = 60_000;
const N = 20;

const skip = skipLoudly(
  'Collector → Loki wire path',
  process.env.CB_OTELCOL_IMAGE
    ? undefined
    : 'no local Collector image to stand in for Loki (run scripts/toolchain.sh)',
);

/** Every log record the stand-in printed, across its restarts (docker keeps a container's log). */
const received = () => parseDebugLogs(compose('logs', '--no-color', '--no-log-prefix', 'loki'));

let env: Record<string, string> = {};

function compose(...args: string[]): string {
  return execFileSync(
    'docker',
    [
      'compose',
      '-p',
      PROJECT,
      '-f',
      'compose.yaml',
      '-f',
      join(FIXTURES, 'loki-standin.compose.yaml'),
      ...args,
    ],
    { cwd: COMPOSE_DIR, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 },
  );
}

/** Sends requests with trace ids of our own; returns them. */
async function tracedRequests(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await tracedGet(`http://127.0.0.1:${env.APP_PORT}/api/json?items=1`));
  return ids;
}

/** The access-log records ("request completed") of these trace ids that have arrived. */
const accessRecords = (ids: string[]) =>
  received().filter((r) => r.body === 'request completed' && ids.includes(r.traceId));

/** Waits until at least one access record per trace id has arrived; returns all of them. */
const arrived = (ids: string[], timeout: number) =>
  vi.waitFor(
    () => {
      const r = accessRecords(ids);
      expect(r.length).toBeGreaterThanOrEqual(ids.length);
      return r;
    },
    { timeout, interval: 1000 },
  );

beforeAll(async () => {
  if (skip) return;
  const [app, grpc, http, health, loki] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  env = {
    ...stackEnvironment(),
    APP_PORT: String(app),
    OTLP_GRPC_PORT: String(grpc),
    OTLP_HTTP_PORT: String(http),
    OTELCOL_HEALTH_PORT: String(health),
    LOKI_PORT: String(loki),
    LOKI_STANDIN_CONFIG: join(FIXTURES, 'loki-standin.yaml'),
  };
  compose('up', '-d', '--wait', 'app', 'otel-collector', 'loki');
  await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${health}/`)).status).toBe(200), {
    timeout: 60_000,
    interval: 500,
  });
}, 240_000);

afterAll(() => {
  if (!skip && Object.keys(env).length) compose('down', '--volumes', '--remove-orphans', '--timeout', '10');
}, 120_000);

describe.skipIf(skip)('Collector → Loki’s OTLP path (a Collector standing in at loki:3100)', () => {
  let first: string[] = [];

  it(
    `delivers exactly one record per request (${N}), each with its trace id`,
    { timeout: 120_000 },
    async () => {
      first = await tracedRequests(N);
      const got = await arrived(first, 90_000);
      expect(got).toHaveLength(N);
      expect(new Set(got.map((r) => r.traceId))).toEqual(new Set(first));
      for (const r of got) expect(r.spanId).toMatch(/^[0-9a-f]{16}$/);
    },
  );

  it('carries what Loki indexes (service.name, deployment.environment.name) and keeps as metadata', () => {
    const records = accessRecords(first);
    expect(records).toHaveLength(N);
    for (const { resource, severityText, attributes } of records) {
      // observability/loki/loki.yaml: these two resource attributes become service_name and
      // deployment_environment_name; the dashboards and the traces → logs link select on them.
      expect(resource['service.name']).toBe('cloud-benchmark');
      expect(resource['deployment.environment.name']).toBe('container');
      // Added by the stack's Collector (resource processor) on the way.
      expect(resource['service.namespace']).toBe('cloud-benchmark');
      // Loki stores severity_text as structured metadata; the logs dashboard filters on it.
      expect(severityText).toBe('INFO');
      expect(attributes['http.route']).toBe('/api/json');
    }
  });

  it(
    `loses nothing while Loki’s endpoint is down for ${OUTAGE_MS / 1000} s (the persistent queue)`,
    { timeout: OUTAGE_MS + 240_000 },
    async () => {
      compose('stop', '--timeout', '10', 'loki');
      const during = await tracedRequests(N);
      // The outage's length is the point of the test, not a wait for some state.
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      expect(accessRecords(during)).toHaveLength(0);
      compose('start', 'loki');
      const got = await arrived(during, 180_000);
      expect(got).toHaveLength(N);
      expect(new Set(got.map((r) => r.traceId))).toEqual(new Set(during));
      console.log(
        `Loki wire path: ${N} of ${N} records sent during a ${OUTAGE_MS / 1000} s outage arrived afterwards`,
      );
    },
  );
});
