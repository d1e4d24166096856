// End to end: compose/compose.yaml started as users start it (the services that can run here, with the
// locally built images), N requests sent to the containerised app, then every signal looked up in the
// real backend that stores it: Prometheus (exact request count, exemplars, rules, targets), Jaeger
// (exactly N server traces; the trace behind a log line and behind an exemplar), the Collector (every
// span and log record the app exported was accepted), and the app's own log stream.
// Then the VM: booted under qemu while the stack starts, provisioned with vagrant/provision.sh as
// Vagrant would, and found by the same backends with environment="vm".
// Loki, Grafana and cAdvisor cannot run on the build machines (issue #3): the test says so loudly.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApp, type AppProcess } from '../../app/test/helpers/app-process.ts';
import { panelQueries } from '../helpers/dashboards.ts';
import { interpolateTracesToLogs, logqlErrors, spanTagKeys, tracesToLogsQuery } from '../helpers/logql.ts';
import { APP_IMAGE, versions } from '../helpers/images.ts';
import {
  addHostTargets,
  announceLeftOut,
  downStack,
  eventually,
  jaegerTrace,
  jaegerTraces,
  leftovers,
  PORTS,
  PROJECT,
  promQuery,
  promScalar,
  RUNNABLE_SERVICES,
  stackUnavailable,
  startStack,
  TARGETS_DIR,
  URLS,
} from '../helpers/stack.ts';
import { Vm, VM_PORTS, VM_URL, vmImage, vmUnavailable } from '../helpers/vm.ts';

const skip = stackUnavailable();
const noVm = skip ?? vmUnavailable();
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

let stack: StartedDockerComposeEnvironment | undefined;
let vm: Vm | undefined;
let native: AppProcess | undefined;

beforeAll(async () => {
  if (skip) return;
  announceLeftOut();
  // The VM boots (tens of seconds under emulation) while the stack starts and the container is tested.
  if (!noVm) vm = new Vm(vmImage(), join(TARGETS_DIR, 'vm-console.log'));
  const t0 = performance.now();
  stack = await startStack();
  console.log(
    `stack (${RUNNABLE_SERVICES.join(', ')}) up and healthy in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}, 300_000);

afterAll(async () => {
  native?.child.kill('SIGTERM');
  vm?.stop();
  if (stack) await stack.down({ removeVolumes: true, timeout: 10_000 });
  else if (!skip) downStack();
}, 120_000);

describe.skipIf(skip)('the compose stack, end to end', { timeout: 90_000 }, () => {
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
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(`${URLS.app}${ROUTE}?items=1`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(res.status).toBe(200);
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

describe.skipIf(noVm)(
  'the VM, provisioned as Vagrant would, in the same stack (TCG emulation)',
  { timeout: 120_000 },
  () => {
    const env = {
      NODE_VERSION: versions.NODE_VERSION!,
      NODE_EXPORTER_VERSION: versions.NODE_EXPORTER_MODULE_VERSION!.replace(/^v/, ''),
      BENCH_CPUS: versions.BENCH_CPUS!,
      BENCH_MEMORY_MIB: versions.BENCH_MEMORY_MIB!,
      // The guest reaches the host's loopback at 10.0.2.2, where the test stack publishes OTLP.
      OTLP_ENDPOINT: `http://10.0.2.2:${PORTS.otlpHttp}`,
    };
    let firstProvision = '';

    beforeAll(async () => {
      const sshAfter = await vm!.waitForSsh();
      console.log(`VM (emulated, TCG): qemu start → ssh as vagrant in ${sshAfter.toFixed(1)} s`);
      const t0 = performance.now();
      firstProvision = vm!.provision(env);
      console.log(
        `provision.sh (emulated, TCG) in ${((performance.now() - t0) / 1000).toFixed(1)} s:\n${firstProvision}`,
      );
      addHostTargets('vm', `127.0.0.1:${VM_PORTS.app}`, `127.0.0.1:${VM_PORTS.nodeExporter}`);
    }, 600_000);

    it('answers /health through the 127.0.0.1 forward and says it is the vm, with the container’s limits', async () => {
      expect((await fetch(`${VM_URL}/health`)).status).toBe(200);
      const status = (await (await fetch(`${VM_URL}/status`)).json()) as Record<string, unknown>;
      expect(status.environment).toBe('vm');
      expect(status.limits).toMatchObject({
        cgroup: 'v2',
        cpus: Number(versions.BENCH_CPUS),
        memory_bytes: Number(versions.BENCH_MEMORY_MIB) * 1024 * 1024,
      });
    });

    it('is in Prometheus with environment="vm": the app and the VM’s node_exporter', async () => {
      const up = await eventually(
        'vm targets up',
        () => promQuery('up{environment="vm"}'),
        (r) => ['app', 'node-exporter'].every((j) => r.some((s) => s.metric.job === j && s.value[1] === '1')),
        90_000,
      );
      expect(up.length).toBe(2);
      const node = await promQuery('node_uname_info{environment="vm"}');
      expect(node[0]?.metric.nodename).toBe('cloud-benchmark-vm');
      const info = await eventually(
        'vm app_info',
        () => promQuery('app_info{environment="vm"}'),
        (r) => r.length === 1,
      );
      expect(info[0]!.metric.node_version).toBe(versions.NODE_VERSION);
    });

    it('sends a request’s trace to Jaeger and logs it with the same trace id', async () => {
      const traceId = randomBytes(16).toString('hex');
      const res = await fetch(`${VM_URL}/api/json?items=1`, {
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      expect(res.status).toBe(200);
      const trace = await eventually(
        'vm trace in Jaeger',
        () => jaegerTrace(traceId),
        (t) => t !== undefined,
        90_000,
      );
      expect(trace!.spans.some((s) => s.operationName === 'GET /api/json')).toBe(true);
      const line = vm!.ssh(
        `sudo journalctl -u cloud-benchmark --no-pager -o cat | grep -F '"trace_id":"${traceId}"'`,
      );
      expect(JSON.parse(line.trim().split('\n')[0]!)).toMatchObject({
        environment: 'vm',
        msg: 'request completed',
      });
    });

    it('re-provisions without changing or restarting anything (idempotent)', () => {
      const pid = vm!.ssh('systemctl show -p MainPID --value cloud-benchmark').trim();
      const again = vm!.provision(env);
      expect(again).toContain('cloud-benchmark.service unchanged and running');
      expect(again).toContain('node-exporter.service unchanged and running');
      expect(again).not.toMatch(/installed|created/);
      expect(vm!.ssh('systemctl show -p MainPID --value cloud-benchmark').trim()).toBe(pid);
    });

    it('runs the app in a hardened unit (systemd-analyze security)', () => {
      const out = vm!.ssh(
        'systemd-analyze security --no-pager cloud-benchmark.service | grep "Overall exposure level"',
      );
      console.log(`systemd-analyze security cloud-benchmark.service: ${out.trim()}`);
      const exposure = Number(/exposure level .*?: ([\d.]+)/i.exec(out)?.[1]);
      expect(exposure).toBeLessThanOrEqual(2.5);
    });

    it('comes back healthy after a reboot; boot → first healthy response is recorded (emulated)', async () => {
      try {
        vm!.ssh('sudo systemctl reboot', 20_000);
      } catch {
        // the connection drops as the guest goes down
      }
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 3000));
      await eventually(
        'VM /health after reboot',
        async () => (await fetch(`${VM_URL}/health`, { signal: AbortSignal.timeout(5000) })).status,
        (s) => s === 200,
        240_000,
      );
      console.log(
        `VM boot → first healthy /health (emulated, TCG): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }, 300_000);
  },
);

describe.skipIf(skip)(
  'the dashboards, on the data of every environment present',
  { timeout: 120_000 },
  () => {
    const environments = noVm ? ['container', 'native'] : ['container', 'native', 'vm'];

    beforeAll(async () => {
      // The baseline: the same bundle as a plain host process (started last, so that the exact counts
      // above only saw the container).
      native = await spawnApp({
        APP_ENVIRONMENT: 'native',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${PORTS.otlpHttp}`,
      });
      const nativeUrl = new URL(native.url);
      addHostTargets('native', nativeUrl.host);
      const urls: Record<string, string> = { container: URLS.app, native: native.url, vm: VM_URL };
      for (const env of environments) {
        await eventually(
          `${env} app healthy`,
          async () => (await fetch(`${urls[env]}/health`, { signal: AbortSignal.timeout(5000) })).status,
          (s) => s === 200,
          240_000,
        );
      }
      // Traffic in every environment over a minute, so that rates and quantiles have points.
      for (let round = 0; round < 6; round++) {
        for (const env of environments) {
          for (const path of ['/api/json?items=5', '/api/cpu?iterations=10000', '/api/delay?ms=5']) {
            const res = await fetch(`${urls[env]}${path}`);
            await res.arrayBuffer();
          }
        }
        await new Promise((r) => setTimeout(r, 10_000));
      }
      await eventually(
        'every environment scraped',
        () => promQuery('sum by (environment) (http_server_request_duration_seconds_count)'),
        (r) => environments.every((e) => r.some((s) => s.metric.environment === e)),
      );
    }, 300_000);

    it('returns data from Prometheus for every panel query (k6 and Loki panels: their own tests)', async () => {
      const all = panelQueries();
      const blocked = all.filter((q) => q.datasource === 'loki' || q.expr.includes('k6_'));
      console.warn(
        `\n!!! NOT CHECKED for data here: ${blocked.length} panel queries over k6's or Loki's data, which cannot run on this machine; k6 panels get k6-shaped series in test/integration/k6-panels.test.ts, LogQL is parsed in logql.test.ts:\n${blocked.map((q) => `    ${q.dashboard} / ${q.panel}`).join('\n')}\n!!!\n`,
      );
      const checked = all.filter((q) => q.datasource === 'prometheus' && !blocked.includes(q));
      // Grafana shows "No data" for a panel only when none of its queries returns data.
      const end = Date.now() / 1000;
      const withData = new Set<string>();
      const errors: string[] = [];
      for (const q of checked) {
        const url = new URL(q.instant ? '/api/v1/query' : '/api/v1/query_range', URLS.prometheus);
        const params: Record<string, string> = q.instant
          ? { query: q.expr }
          : { query: q.expr, start: String(end - 900), end: String(end), step: '15' };
        const res = await fetch(url, { method: 'POST', body: new URLSearchParams(params) });
        const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
        if (body.status !== 'success') errors.push(`${q.dashboard} / ${q.panel}: ${body.error} — ${q.expr}`);
        else if (body.data?.result.length) withData.add(`${q.dashboard} / ${q.panel}`);
      }
      const panels = [...new Set(checked.map((q) => `${q.dashboard} / ${q.panel}`))];
      const empty = panels.filter((p) => !withData.has(p)).map((p) => `${p}: no data`);
      console.log(
        `dashboard panels checked against Prometheus: ${panels.length} (${checked.length} queries), with data: ${withData.size}`,
      );
      expect(errors).toEqual([]);
      expect(empty).toEqual([]);
    });

    it('shows every environment present on the comparison dashboard’s request-rate panel', async () => {
      const q = panelQueries().find(
        (p) => p.dashboard.includes('Container vs VM') && p.panel === 'Request rate',
      )!;
      const end = Date.now() / 1000;
      const res = await fetch(new URL('/api/v1/query_range', URLS.prometheus), {
        method: 'POST',
        body: new URLSearchParams({ query: q.expr, start: String(end - 900), end: String(end), step: '15' }),
      });
      const body = (await res.json()) as { data: { result: { metric: { environment: string } }[] } };
      expect(body.data.result.map((r) => r.metric.environment).sort()).toEqual([...environments].sort());
    });
  },
);

describe.skipIf(skip)(
  'faults: the stack survives restarts and a crash, keeping its data',
  { timeout: 180_000 },
  () => {
    const container = (service: string) => `${PROJECT}-${service}-1`;
    const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
    const healthy = (service: string) =>
      eventually(
        `${service} healthy`,
        () => Promise.resolve(docker('inspect', '--format', '{{.State.Health.Status}}', container(service))),
        (s) => s === 'healthy',
        120_000,
      );
    /** Sends a request with a chosen trace id; returns the id once Jaeger holds the trace. */
    async function tracedRequest(): Promise<string> {
      const traceId = randomBytes(16).toString('hex');
      const res = await fetch(`${URLS.app}/api/json?items=1`, {
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      expect(res.status).toBe(200);
      await eventually(
        'trace stored',
        () => jaegerTrace(traceId),
        (t) => t !== undefined,
      );
      return traceId;
    }

    it('keeps traces across a Jaeger restart (Badger on a volume)', async () => {
      const before = await tracedRequest();
      docker('restart', '--time', '10', container('jaeger'));
      await healthy('jaeger');
      expect(
        await eventually(
          'old trace after restart',
          () => jaegerTrace(before),
          (t) => t !== undefined,
        ),
      ).toBeDefined();
      await tracedRequest(); // and new ones arrive
    });

    it('keeps metrics across a Prometheus restart (TSDB on a volume)', async () => {
      const before = await promScalar(COUNT);
      expect(before).toBeGreaterThan(0);
      docker('restart', '--time', '10', container('prometheus'));
      await healthy('prometheus');
      const t = Date.now() / 1000 - 5;
      const after = await eventually(
        'count after restart',
        async () => {
          const url = new URL('/api/v1/query', URLS.prometheus);
          url.search = new URLSearchParams({ query: COUNT, time: String(t - 60) }).toString();
          const body = (await (await fetch(url)).json()) as {
            data: { result: { value: [number, string] }[] };
          };
          return Number(body.data.result[0]?.value[1]);
        },
        (v) => Number.isFinite(v),
      );
      expect(after).toBeGreaterThan(0);
    });

    it('serves every request while the Collector is stopped, and telemetry resumes after it returns', async () => {
      docker('stop', '--time', '10', container('otel-collector'));
      try {
        for (let i = 0; i < 50; i++) {
          const res = await fetch(`${URLS.app}/api/json?items=1`, { signal: AbortSignal.timeout(5000) });
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        docker('start', container('otel-collector'));
      }
      await eventually(
        'collector health',
        async () => (await fetch(URLS.collectorHealth)).status,
        (s) => s === 200,
      );
      await tracedRequest();
    });

    it('loses no trace when the Collector restarts while the backend is down (persistent queue)', async () => {
      // The mechanism a Loki outage relies on (Loki cannot run here, issue #3), shown with Jaeger: the
      // Collector keeps what it accepted in its file-backed queue, across its own restart.
      const M = 30;
      docker('stop', '--time', '10', container('jaeger'));
      const ids: string[] = [];
      try {
        for (let i = 0; i < M; i++) {
          const traceId = randomBytes(16).toString('hex');
          const res = await fetch(`${URLS.app}/api/json?items=1`, {
            headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
            signal: AbortSignal.timeout(5000),
          });
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          ids.push(traceId);
        }
        // The app's exporter has handed them to the Collector (its batch delay is 1 s) …
        await new Promise((r) => setTimeout(r, 3000));
        // … which now restarts with the backend still away.
        docker('restart', '--time', '10', container('otel-collector'));
        await eventually(
          'collector health after restart',
          async () => (await fetch(URLS.collectorHealth)).status,
          (st) => st === 200,
        );
      } finally {
        docker('start', container('jaeger'));
      }
      await healthy('jaeger');
      const found = await eventually(
        `all ${M} traces in Jaeger after the outage`,
        async () =>
          (await Promise.all(ids.map((id) => jaegerTrace(id)))).filter((t) => t !== undefined).length,
        (n) => n === M,
        120_000,
      );
      console.log(
        `persistent queue: ${found} of ${M} traces sent while Jaeger was down, across a Collector restart, arrived`,
      );
      expect(found).toBe(M);
    });

    it('comes back by its restart policy after the app process is killed with SIGKILL', async () => {
      const pid = docker('inspect', '--format', '{{.State.Pid}}', container('app'));
      const restarts = Number(docker('inspect', '--format', '{{.RestartCount}}', container('app')));
      process.kill(Number(pid), 'SIGKILL');
      await eventually(
        'app restarted',
        () => Promise.resolve(Number(docker('inspect', '--format', '{{.RestartCount}}', container('app')))),
        (n) => n === restarts + 1,
        60_000,
      );
      await eventually(
        'app ready again',
        async () => (await fetch(`${URLS.app}/ready`, { signal: AbortSignal.timeout(3000) })).status,
        (s) => s === 200,
        60_000,
      );
    });
  },
);

describe.skipIf(skip)('the compose stack, after tear-down', () => {
  it('leaves no containers, networks or volumes behind', () => {
    native?.child.kill('SIGTERM');
    vm?.stop();
    downStack();
    expect(leftovers()).toEqual([]);
  });
});
