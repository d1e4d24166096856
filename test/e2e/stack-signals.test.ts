// End to end, the container's signals: compose/compose.yaml started as users start it (the services that
// can run here, with the locally built images), N requests sent to the containerised app, then every
// signal looked up in the real backend that stores it: Prometheus (exact request count, exemplars, rules,
// targets), Jaeger (exactly N server traces; the trace behind a log line and behind an exemplar), the
// Collector (every span and log record the app exported was accepted), the app's own log stream; and the
// running containers' hardening.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_IMAGE, versions } from '../helpers/images.ts';
import { interpolateTracesToLogs, logqlErrors, spanTagKeys, tracesToLogsQuery } from '../helpers/logql.ts';
import {
  eventually,
  jaegerTrace,
  jaegerTraces,
  PROJECT,
  promQuery,
  promScalar,
  RUNNABLE_SERVICES,
  tracedGet,
  URLS,
} from '../helpers/stack.ts';
import { useStack } from '../helpers/stack-run.ts';

const run = useStack();
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

describe.skipIf(run.skip)('the compose stack, end to end', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${URLS.app}/api/json?items=2`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
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

  it('resolves every variable of the traces → logs link from a span as Jaeger serves it', async () => {
    // Grafana's Jaeger datasource offers the link only when every variable of the custom query resolves
    // from the span's process and span tags (createSpanLink.tsx, docs/upstream-evidence.md).
    const traceId = await tracedGet(`${URLS.app}${ROUTE}?items=1`);
    const trace = await eventually(
      'trace in Jaeger',
      () => jaegerTrace(traceId),
      (t) => t !== undefined,
    );
    const server = trace!.spans.find((s) => s.operationName === OPERATION)!;
    const process = trace!.processes[server.processID]!;
    const tags = Object.fromEntries([...process.tags, ...server.tags].map((t) => [t.key, String(t.value)]));
    // Jaeger moves the resource's service.name into the process's service name, not into any tag.
    expect(process.serviceName).toBe(SERVICE);
    expect(tags['service.name']).toBeUndefined();
    const query = tracesToLogsQuery();
    const keys = spanTagKeys(query);
    expect(keys).toEqual(['deployment.environment.name']);
    const expr = interpolateTracesToLogs(query, tags, trace!.traceID);
    expect(expr).toBe(
      `{service_name="${SERVICE}", deployment_environment_name="container"} | trace_id="${traceId}"`,
    );
    expect(logqlErrors(expr)).toEqual([]);
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
    // Every accepted span went on to Jaeger. The snapshot above can be a scrape old, so the exporter's
    // count is compared with the receiver's from the same scrape of the Collector, and must cover it.
    const jaeger = `sum(otelcol_exporter_sent_spans_total{job="otel-collector",exporter="otlp_grpc/jaeger"})`;
    const [sent, backlog] = await eventually(
      'spans sent to Jaeger',
      async () => [
        await promScalar(jaeger),
        await promScalar(`${collector('receiver_accepted_spans')} - ${jaeger}`),
      ],
      ([s, b]) => s !== undefined && s >= spans[0]! && b === 0,
    );
    expect(backlog).toBe(0);
    expect(sent).toBeGreaterThanOrEqual(spans[0]!);
    const failed = await promScalar(
      `sum(otelcol_exporter_send_failed_spans_total{job="otel-collector",exporter="otlp_grpc/jaeger"})`,
    );
    expect(failed ?? 0).toBe(0);
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

  it('runs hardened containers: read-only roots, no capabilities, limits and loopback ports on all; app non-root', () => {
    interface Inspect {
      Name: string;
      Config: { User: string; Env: string[] };
      HostConfig: {
        ReadonlyRootfs: boolean;
        CapDrop: string[] | null;
        SecurityOpt: string[] | null;
        PidsLimit: number | null;
        Memory: number;
        NanoCpus: number;
        PortBindings: Record<string, { HostIp: string }[]> | null;
      };
    }
    const ids = execFileSync(
      'docker',
      ['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n');
    const all = JSON.parse(execFileSync('docker', ['inspect', ...ids], { encoding: 'utf8' })) as Inspect[];
    expect(all.length).toBe(RUNNABLE_SERVICES.length);
    for (const c of all) {
      expect(c.HostConfig.SecurityOpt, c.Name).toContain('no-new-privileges:true');
      expect(c.HostConfig.Memory, c.Name).toBeGreaterThan(0);
      expect(c.HostConfig.NanoCpus, c.Name).toBeGreaterThan(0);
      expect(c.HostConfig.CapDrop, c.Name).toEqual(['ALL']);
      expect(c.HostConfig.ReadonlyRootfs, `${c.Name} read-only root`).toBe(true);
      for (const bindings of Object.values(c.HostConfig.PortBindings ?? {}))
        for (const b of bindings) expect(b.HostIp, c.Name).toBe('127.0.0.1');
      // No secret handed to any container through its environment.
      expect(
        c.Config.Env.filter((e) => /(password|secret|token)=/i.test(e)),
        c.Name,
      ).toEqual([]);
    }
    const app = all.find((c) => c.Name === `/${PROJECT}-app-1`)!;
    expect(app.Config.User).toBe('node');
    expect(app.HostConfig.ReadonlyRootfs).toBe(true);
    expect(app.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(app.HostConfig.Memory).toBe(Number(versions.BENCH_MEMORY_MIB) * 1024 * 1024);
    expect(app.HostConfig.NanoCpus).toBe(Number(versions.BENCH_CPUS) * 1e9);
    // Nothing secret in the image's layers: its history names no credentials or registry settings.
    const history = execFileSync(
      'docker',
      ['history', '--no-trunc', '--format', '{{.CreatedBy}}', APP_IMAGE],
      {
        encoding: 'utf8',
      },
    );
    expect(history).not.toMatch(/password|secret|token|_auth|NPM_CONFIG_REGISTRY=\S/i);
  });
});
