// Every Prometheus metric the service exposes on /metrics, in one registry per app instance
// (tests start several apps in one process). OpenMetrics is the main exposition format (exemplars need
// it); scrapers that ask only for the Prometheus text format get that, without exemplars.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { DeploymentEnvironment } from '../config/config.ts';

/** Seconds; fine at the low end where a trivial route lives, up to the longest workload bound. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type HttpLabels = 'method' | 'route' | 'status_code';

export interface AppMetrics {
  readonly registry: Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>;
  readonly httpDuration: Histogram<HttpLabels>;
  readonly startupSeconds: Gauge;
  /** The same metrics in the Prometheus text format 0.0.4: no exemplars, no `# EOF`. */
  textFormat(): Promise<{ contentType: string; body: string }>;
  /** In-flight bookkeeping: a plain counter, read only when /metrics is scraped. */
  requestStarted(): void;
  requestFinished(): void;
  /** A request refused by admission control: counted by reason, and in the duration histogram as a 503. */
  requestShed(labels: { method: string; route: string }, reason: string, seconds: number): void;
}

export interface MetricsOptions {
  readonly exemplars: boolean;
  readonly version: string;
  readonly environment: DeploymentEnvironment;
  /** Metrics created elsewhere (the telemetry pipeline's own) to serve from the same registry. */
  readonly extra?: readonly Metric[];
}

export function createAppMetrics(options: MetricsOptions): AppMetrics {
  const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpDuration = new Histogram<HttpLabels>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests handled by the service, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
    enableExemplars: options.exemplars,
    registers,
  });
  let active = 0;
  new Gauge({
    name: 'http_server_active_requests',
    help: 'HTTP requests being handled right now.',
    registers,
    collect() {
      this.set(active);
    },
  });
  const shed = new Counter({
    name: 'http_server_shed_requests',
    help: 'Requests answered 503 by admission control, before any handler ran, by reason (in_flight, queue_delay).',
    labelNames: ['reason'],
    registers,
  });
  const startupSeconds = new Gauge({
    name: 'app_startup_duration_seconds',
    help: 'Time from process start to ready to serve (the listening socket is open).',
    registers,
  });
  new Gauge({
    name: 'app_info',
    help: 'Constant 1, labelled with the service version, its detected environment and the Node.js version.',
    labelNames: ['version', 'environment', 'node_version'],
    registers,
  }).set(
    { version: options.version, environment: options.environment, node_version: process.versions.node },
    1,
  );

  for (const metric of options.extra ?? []) registry.registerMetric(metric);
  return {
    registry,
    httpDuration,
    startupSeconds,
    async textFormat() {
      return {
        contentType: Registry.PROMETHEUS_CONTENT_TYPE,
        body: toPrometheusText(await registry.metrics()),
      };
    },
    requestStarted: () => void active++,
    requestFinished: () => void active--,
    requestShed(labels, reason, seconds) {
      shed.inc({ reason });
      const all = { ...labels, status_code: '503' };
      if (options.exemplars) httpDuration.observe({ labels: all, value: seconds, exemplarLabels: {} });
      else httpDuration.observe(all, seconds);
    },
  };
}

/** A sample line without its exemplar (` # {labels} value [timestamp]` after the value). */
function withoutExemplar(line: string): string {
  // The label set may hold any escaped character, ` # ` included: skip it as quoted strings.
  const labels = /^[^{ ]+(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?/.exec(line)?.[0] ?? '';
  return labels + line.slice(labels.length).replace(/ # .*$/, '');
}

/**
 * prom-client's OpenMetrics exposition rewritten as the Prometheus text format 0.0.4. A second registry
 * of the Prometheus type cannot serve the same metric objects: the OpenMetrics registry renames every
 * counter in place (strips `_total`), so the text output would depend on which format was scraped
 * first. Here a counter keeps its one name (`…_total`, as in OpenMetrics samples), exemplars, `# UNIT`
 * and `# EOF` are dropped, and `unknown` becomes `untyped`.
 */
export function toPrometheusText(openMetrics: string): string {
  const lines = openMetrics.split('\n');
  const counters = new Set(
    lines.flatMap((l) => {
      const m = /^# TYPE (\S+) counter$/.exec(l);
      return m ? [m[1]!] : [];
    }),
  );
  const out: string[] = [];
  for (const line of lines) {
    if (line === '# EOF' || line.startsWith('# UNIT ')) continue;
    const meta = /^# (HELP|TYPE) (\S+)(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      const renamed = counters.has(name!) ? `${name}_total` : name;
      out.push(`# ${kind} ${renamed}${kind === 'TYPE' && rest === ' unknown' ? ' untyped' : rest}`);
    } else out.push(line.startsWith('#') ? line : withoutExemplar(line));
  }
  return out.join('\n');
}
