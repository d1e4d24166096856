// End to end: compose/compose.yaml started as users start it (the services that can run here, with the
// locally built images), N requests sent to the containerised app, then every signal looked up in the
// real backend that stores it: Prometheus (exact request count, exemplars, rules, targets), Jaeger
// (exactly N server traces; the trace behind a log line and behind an exemplar), the Collector (every
// span and log record the app exported was accepted), and the app's own log stream.
// Loki, Grafana and cAdvisor cannot run on the build machines (issue #3): the test says so loudly.
import { execFileSync } from 'node:child_process';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceLeftOut,
  downStack,
  eventually,
  jaegerTrace,
  jaegerTraces,
  leftovers,
  PROJECT,
  promQuery,
  promScalar,
  RUNNABLE_SERVICES,
  stackUnavailable,
  startStack,
  URLS,
} from '../helpers/stack.ts';

const skip = stackUnavailable();
const N = 40;
const SERVICE = 'cloud-benchmark';
const ROUTE = '/api/json';
const OPERATION = `GET ${ROUTE}`;
// Only the route the test drives: other requests (the /status check below) are counted too.
const COUNT = `sum(http_server_request_duration_seconds_count{environment="container",route="${ROUTE}"})`;

interface AccessLine {
  msg: string;
  trace_id?: string;
  'http.route'?: string;
}

function appLogLines(): AccessLine[] {
  const out = execFileSync('docker', ['logs', `${PROJECT}-app-1`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AccessLine);
}

describe.skipIf(skip)('the compose stack, end to end', { timeout: 90_000 }, () => {
  let stack: StartedDockerComposeEnvironment | undefined;
  let startSeconds = 0;

  beforeAll(async () => {
    announceLeftOut();
    const t0 = performance.now();
    stack = await startStack();
    startSeconds = (performance.now() - t0) / 1000;
    console.log(`stack (${RUNNABLE_SERVICES.join(', ')}) up and healthy in ${startSeconds.toFixed(1)} s`);
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${URLS.app}/api/json?items=2`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  }, 300_000);

  afterAll(async () => {
    if (stack) await stack.down({ removeVolumes: true, timeout: 10_000 });
    else downStack();
  }, 120_000);

  it('reports the app in the container environment with the fair-comparison limits', async () => {
    const status = (await (await fetch(`${URLS.app}/status`)).json()) as Record<string, unknown>;
    expect(status.environment).toBe('container');
    expect(status.limits).toMatchObject({ cpus: 1, memory_bytes: 512 * 1024 * 1024 });
  });

  it('has every scrape target of the running services up in Prometheus', async () => {
    const jobs = ['app', 'otel-collector', 'prometheus', 'jaeger', 'node-exporter'];
    const up = await eventually(
      'all targets up',
      () => promQuery(`up{job=~"${jobs.join('|')}"}`),
      (r) => jobs.every((j) => r.some((s) => s.metric.job === j && s.value[1] === '1')),
    );
    expect(up.find((s) => s.metric.job === 'app')?.metric.environment).toBe('container');
  });

  it(`counts exactly ${N} ${ROUTE} requests for the container environment in Prometheus`, async () => {
    const count = await eventually(
      'request count',
      () => promScalar(COUNT),
      (v) => v === N,
      30_000,
    );
    expect(count).toBe(N);
  });

  it(`holds exactly ${N} ${OPERATION} server traces of ${SERVICE} in Jaeger`, async () => {
    const traces = await eventually(
      'traces in Jaeger',
      () => jaegerTraces(SERVICE, OPERATION, N * 5),
      (t) => t.length >= N,
      60_000,
    );
    expect(traces).toHaveLength(N);
    for (const t of traces) expect(t.spans.some((s) => s.operationName === OPERATION)).toBe(true);
  });

  it(`logs exactly ${N} access lines, and a log line's trace_id resolves to its trace in Jaeger`, async () => {
    const access = appLogLines().filter((l) => l.msg === 'request completed' && l['http.route'] === ROUTE);
    expect(access).toHaveLength(N);
    const traceId = access[N - 1]!.trace_id!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = await eventually(
      'trace of a log line',
      () => jaegerTrace(traceId),
      (t) => t !== undefined,
    );
    expect(trace!.spans.some((s) => s.operationName === OPERATION)).toBe(true);
  });

  it('has exemplars in Prometheus whose trace ids exist in Jaeger', async () => {
    const now = Date.now() / 1000;
    const exemplars = await eventually(
      'exemplars',
      async () => {
        const url = new URL('/api/v1/query_exemplars', URLS.prometheus);
        url.search = new URLSearchParams({
          query: 'http_server_request_duration_seconds_bucket{environment="container"}',
          start: String(now - 3600),
          end: String(now + 60),
        }).toString();
        const body = (await (await fetch(url)).json()) as {
          data: { exemplars: { labels: Record<string, string> }[] }[];
        };
        return body.data.flatMap((d) => d.exemplars.map((e) => e.labels.trace_id!));
      },
      (ids) => ids.length > 0,
      30_000,
    );
    const trace = await jaegerTrace(exemplars[0]!);
    expect(trace, `exemplar trace ${exemplars[0]} in Jaeger`).toBeDefined();
  });

  it('delivers every span and log record the app exported to the Collector', async () => {
    // The app counts what its OTLP exporters delivered; the Collector counts what its receiver
    // accepted. Equal counts mean nothing was lost on the way.
    // (Jaeger is a collector build too: its own otelcol_* series are told apart by job.)
    const app = (signal: string) =>
      `sum(telemetry_export_items_total{environment="container",signal="${signal}",outcome="success"})`;
    const collector = (what: string) => `sum(otelcol_${what}_total{job="otel-collector"})`;
    const spans = await eventually(
      'spans accepted',
      async () => [await promScalar(app('traces')), await promScalar(collector('receiver_accepted_spans'))],
      ([a, c]) => a !== undefined && a >= N && a === c,
    );
    expect(spans[1]).toBe(spans[0]);
    const logs = await eventually(
      'log records accepted',
      async () => [
        await promScalar(app('logs')),
        await promScalar(collector('receiver_accepted_log_records')),
      ],
      ([a, c]) => a !== undefined && a >= N && a === c,
    );
    expect(logs[1]).toBe(logs[0]);
    // Every accepted span went on to Jaeger.
    const sent = await eventually(
      'spans sent to Jaeger',
      () =>
        promScalar(
          `sum(otelcol_exporter_sent_spans_total{job="otel-collector",exporter="otlp_grpc/jaeger"})`,
        ),
      (v) => v === spans[0],
    );
    expect(sent).toBe(spans[0]);
  });

  it('evaluates the per-environment RED recording rules and loads the alert rules', async () => {
    const rate = await eventually(
      'recording rule',
      () => promQuery('environment:http_server_requests:rate1m{environment="container"}'),
      (r) => r.length === 1,
    );
    expect(Number.isFinite(Number(rate[0]!.value[1]))).toBe(true);
    const rules = (await (await fetch(`${URLS.prometheus}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; type: string; health: string; lastError?: string }[] }[] };
    };
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect(all.filter((r) => r.health === 'err')).toEqual([]);
    const alerts = all.filter((r) => r.type === 'alerting');
    expect(alerts.map((r) => r.name)).toEqual(
      expect.arrayContaining(['AppDown', 'AppHighErrorRatio', 'CollectorDown', 'CollectorDroppingTelemetry']),
    );
  });

  it('answers on the Collector health endpoint and keeps its ports on 127.0.0.1', async () => {
    expect((await fetch(URLS.collectorHealth)).status).toBe(200);
    const ports = execFileSync('docker', ['port', `${PROJECT}-otel-collector-1`], { encoding: 'utf8' });
    for (const line of ports.trim().split('\n')) expect(line).toMatch(/-> 127\.0\.0\.1:\d+$/);
  });
});

describe.skipIf(skip)('the compose stack, after tear-down', () => {
  it('leaves no containers, networks or volumes behind', () => {
    downStack();
    expect(leftovers()).toEqual([]);
  });
});
