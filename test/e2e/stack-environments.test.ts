// End to end, the other environments in the same stack: the VM (booted under qemu while the stack starts,
// provisioned with vagrant/provision.sh as Vagrant would, found by the same backends with
// environment="vm") and the host process; then every dashboard panel's query against the data of all.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnApp } from '../../app/test/helpers/app-process.ts';
import { publishSummary } from '../../scripts/compare/publish.ts';
import { fixtureResults } from '../compare/fixtures/make-results.ts';
import { panelQueries } from '../helpers/dashboards.ts';
import { versions } from '../helpers/images.ts';
import {
  addHostTargets,
  eventually,
  jaegerTrace,
  PORTS,
  promQuery,
  tracedGet,
  URLS,
} from '../helpers/stack.ts';
import { useStack } from '../helpers/stack-run.ts';
import { VM_ACCEL, VM_PORTS, VM_URL } from '../helpers/vm.ts';

const run = useStack({ vm: true });

describe.skipIf(run.noVm)(
  `the VM, provisioned as Vagrant would, in the same stack (${VM_ACCEL})`,
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
      const sshAfter = await run.vm!.waitForSsh();
      console.log(`VM (${VM_ACCEL}): qemu start → ssh as vagrant in ${sshAfter.toFixed(1)} s`);
      const t0 = performance.now();
      firstProvision = run.vm!.provision(env);
      console.log(
        `provision.sh (${VM_ACCEL}) in ${((performance.now() - t0) / 1000).toFixed(1)} s:\n${firstProvision}`,
      );
      addHostTargets('vm', `127.0.0.1:${VM_PORTS.app}`, `127.0.0.1:${VM_PORTS.nodeExporter}`);
    }, 600_000);

    it('answers /health through the 127.0.0.1 forward and says it is the vm, with the container’s limits', async () => {
      expect((await fetch(`${VM_URL}/health`)).status).toBe(200);
      // Right after start-up under emulation the app may shed a request (503 + Retry-After: its event
      // loop runs late while code is still being compiled); a client retries, and so does this test.
      const res = await eventually(
        'VM /status answered',
        () => fetch(`${VM_URL}/status`, { signal: AbortSignal.timeout(5000) }),
        (r) => r.status !== 503,
        60_000,
      );
      expect(res.status).toBe(200);
      const status = (await res.json()) as Record<string, unknown>;
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
      const traceId = await tracedGet(`${VM_URL}/api/json?items=1`);
      const trace = await eventually(
        'vm trace in Jaeger',
        () => jaegerTrace(traceId),
        (t) => t !== undefined,
        90_000,
      );
      expect(trace!.spans.some((s) => s.operationName === 'GET /api/json')).toBe(true);
      const line = run.vm!.ssh(
        `sudo journalctl -u cloud-benchmark --no-pager -o cat | grep -F '"trace_id":"${traceId}"'`,
      );
      expect(JSON.parse(line.trim().split('\n')[0]!)).toMatchObject({
        environment: 'vm',
        msg: 'request completed',
      });
    });

    // A second provision.sh still copies the app and checks every step inside the emulated guest: it took
    // over 120 s in one fresh-machine run (the first provision took 172 s there), so it has the first's
    // budget.
    it('re-provisions without changing or restarting anything (idempotent)', () => {
      const pid = run.vm!.ssh('systemctl show -p MainPID --value cloud-benchmark').trim();
      const t0 = performance.now();
      const again = run.vm!.provision(env);
      console.log(`provision.sh again (${VM_ACCEL}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      expect(again).toContain('cloud-benchmark.service unchanged and running');
      expect(again).toContain('node-exporter.service unchanged and running');
      expect(again).not.toMatch(/installed|created/);
      expect(run.vm!.ssh('systemctl show -p MainPID --value cloud-benchmark').trim()).toBe(pid);
    }, 600_000);

    it('runs the app in a hardened unit (systemd-analyze security)', () => {
      const out = run.vm!.ssh(
        'systemd-analyze security --no-pager cloud-benchmark.service | grep "Overall exposure level"',
      );
      console.log(`systemd-analyze security cloud-benchmark.service: ${out.trim()}`);
      const exposure = Number(/exposure level .*?: ([\d.]+)/i.exec(out)?.[1]);
      expect(exposure).toBeLessThanOrEqual(2.5);
    });

    it(`comes back healthy after a reboot; boot → first healthy response is recorded (${VM_ACCEL})`, async () => {
      try {
        run.vm!.ssh('sudo systemctl reboot', 20_000);
      } catch {
        // the connection drops as the guest goes down
      }
      const t0 = performance.now();
      // Healthy again means: a new app process answers, started after the reboot was asked for (the old
      // one may still answer for a moment while the guest goes down).
      await eventually(
        'VM app restarted by the reboot',
        async () => {
          const res = await fetch(`${VM_URL}/status`, { signal: AbortSignal.timeout(5000) });
          const status = (await res.json()) as { uptime_seconds: number };
          return res.status === 200 && status.uptime_seconds < (performance.now() - t0) / 1000;
        },
        (restarted) => restarted,
        240_000,
      );
      console.log(
        `VM boot → first healthy /health (${VM_ACCEL}): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }, 300_000);
  },
);

describe.skipIf(run.skip)(
  'the dashboards, on the data of every environment present',
  { timeout: 120_000 },
  () => {
    const environments = run.noVm ? ['container', 'native'] : ['container', 'native', 'vm'];

    beforeAll(async () => {
      // The baseline: the same bundle as a plain host process (started last, so that the exact counts
      // above only saw the container).
      run.native = await spawnApp({
        APP_ENVIRONMENT: 'native',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${PORTS.otlpHttp}`,
      });
      const nativeUrl = new URL(run.native.url);
      addHostTargets('native', nativeUrl.host);
      const urls: Record<string, string> = { container: URLS.app, native: run.native.url, vm: VM_URL };
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
      // The Comparison report reads what `npm run compare -- --prometheus-url` writes: the command's own
      // publishing code remote-writes a (fixture) run into the stack's Prometheus, as a user's run would.
      expect(await publishSummary(URLS.prometheus, fixtureResults())).toBeGreaterThan(0);
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
