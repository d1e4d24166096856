// The compare run's summary into Prometheus by remote write (`--prometheus-url`), so the "Comparison
// report" dashboard shows it next to the live dashboards. One gauge per measure, in base units
// (seconds, bytes, requests per second), labelled with the run, the path and its environment; medians
// with their confidence bounds as `stat="median" | "ci_low" | "ci_high"`. The samples carry the time
// of publishing (Prometheus refuses samples older than its head block), and `run_id` (the run's start)
// tells runs apart. A pure function (summarySeries) and one push, so the dashboard test can feed the
// real Prometheus exactly what the command sends.
import { pushTimeseries } from 'prometheus-remote-write';
import { summarize } from '../../harness/stats.ts';
import { bracket, commonRate, pathsOf, routesOf, sustained, vmEmulated } from './report.ts';
import type { Results, Window } from './results.ts';

export const METRIC_PREFIX = 'cloud_benchmark_compare_';

export interface Series {
  labels: { __name__: string } & Record<string, string>;
  samples: { value: number; timestamp: number }[];
}

/** The run id every series carries: the run's start time, as results.json has it. */
export const runIdOf = (results: Results) => results.startedAt;

export function summarySeries(results: Results, now = Date.now()): Series[] {
  const out: Series[] = [];
  const run = runIdOf(results);
  const emulated = vmEmulated(results);
  const add = (name: string, labels: Record<string, string>, value: number) => {
    if (!Number.isFinite(value)) return;
    // Labels sorted, as the remote-write specification asks (__name__ first).
    const sorted = Object.fromEntries(
      Object.entries({ run_id: run, ...labels }).sort(([a], [b]) => a.localeCompare(b)),
    );
    out.push({ labels: { __name__: METRIC_PREFIX + name, ...sorted }, samples: [{ value, timestamp: now }] });
  };
  /** median, ci_low and ci_high of `values` (scaled to base units). */
  const stats = (name: string, labels: Record<string, string>, values: readonly number[], scale = 1) => {
    if (!values.length) return;
    const s = summarize(values);
    add(name, { ...labels, stat: 'median' }, s.median * scale);
    add(name, { ...labels, stat: 'ci_low' }, s.low * scale);
    add(name, { ...labels, stat: 'ci_high' }, s.high * scale);
  };

  add(
    'run_info',
    {
      complete: String(results.complete),
      quick: String(results.settings.quick),
      mix: results.settings.mix,
      cpu: results.machine.CPU ?? 'unknown',
      kernel: results.machine.kernel ?? 'unknown',
    },
    1,
  );
  const rate = commonRate(results);
  if (rate !== undefined) add('common_rate_requests_per_second', {}, rate);
  const routes = routesOf(results);
  for (const path of pathsOf(results)) {
    const environment = results.windows.find((w) => w.path === path)!.environment;
    const l = { path, environment, emulated: String(environment === 'vm' && emulated) };
    const record = results.environments.find((e) => e.name === environment);
    stats('startup_seconds', { ...l, kind: 'start' }, results.startupMs[environment] ?? [], 1e-3);
    stats('startup_seconds', { ...l, kind: 'restart' }, results.restartMs?.[environment] ?? [], 1e-3);
    if (record?.idleFootprint)
      add(
        'host_memory_bytes',
        { ...l, state: 'idle', stat: 'median' },
        record.idleFootprint.maxMiB * 2 ** 20,
      );
    if (record?.disk) add('disk_bytes', l, record.disk.mib * 2 ** 20);
    const s = sustained(results, path).rate;
    if (s !== undefined) add('throughput_requests_per_second', { ...l, bound: 'sustained' }, s);
    const b = bracket(results, path);
    if (b) add('throughput_requests_per_second', { ...l, bound: 'saturated' }, b.bad);
    if (rate === undefined) continue;
    const ws = results.windows.filter((w) => w.path === path && w.rate === rate && !w.saturated);
    const pick = (fn: (w: Window) => number | undefined) =>
      ws.map(fn).filter((v): v is number => v !== undefined);
    stats(
      'host_memory_bytes',
      { ...l, state: 'load' },
      pick((w) => w.hostMemory?.maxMiB),
      2 ** 20,
    );
    stats(
      'latency_seconds',
      { ...l, quantile: '0.5' },
      pick((w) => w.load.latencyMs.p50),
      1e-3,
    );
    stats(
      'latency_seconds',
      { ...l, quantile: '0.99' },
      pick((w) => w.load.latencyMs.p99),
      1e-3,
    );
    for (const route of routes) {
      const groups = ws.map((w) => w.load.breakdown?.byRoute[route]).filter((g) => g !== undefined);
      if (!groups.length) continue;
      const r = { ...l, route };
      add(
        'route_latency_seconds',
        { ...r, quantile: '0.5', stat: 'median' },
        summarize(groups.map((g) => g.latencyMs.p50)).median * 1e-3,
      );
      add(
        'route_latency_seconds',
        { ...r, quantile: '0.99', stat: 'median' },
        summarize(groups.map((g) => g.latencyMs.p99)).median * 1e-3,
      );
      add(
        'route_not_ok_responses',
        r,
        groups.reduce(
          (sum, g) => sum + Object.entries(g.statusCodes).reduce((a, [c, n]) => a + (c === '200' ? 0 : n), 0),
          0,
        ),
      );
    }
  }
  return out;
}

/** Remote-writes the summary to `prometheusUrl` (its /api/v1/write); throws with Prometheus's answer. */
export async function publishSummary(prometheusUrl: string, results: Results): Promise<number> {
  const series = summarySeries(results);
  const url = new URL('/api/v1/write', prometheusUrl).toString();
  const answer = await pushTimeseries(series, {
    url,
    timeout: 10_000,
    fetch: globalThis.fetch as never,
  }).catch((error: unknown) => {
    throw new Error(`remote write to ${url} failed: ${(error as Error).message}`, { cause: error });
  });
  if (answer.status < 200 || answer.status >= 300)
    throw new Error(
      `remote write to ${url} answered ${answer.status} ${answer.statusText}${answer.errorMessage ? `: ${answer.errorMessage.trim()}` : ''}` +
        (answer.status === 404 ? ' (start Prometheus with --web.enable-remote-write-receiver)' : ''),
    );
  return series.length;
}
