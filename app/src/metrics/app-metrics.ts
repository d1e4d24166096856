// Every Prometheus metric the service exposes on /metrics, in one registry per app instance
// (tests start several apps in one process). OpenMetrics is the exposition format: exemplars need it.
import { collectDefaultMetrics, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { DeploymentEnvironment } from '../config/config.ts';

/** Seconds; fine at the low end where a trivial route lives, up to the longest workload bound. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type HttpLabels = 'method' | 'route' | 'status_code';

export interface AppMetrics {
  readonly registry: Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>;
  readonly httpDuration: Histogram<HttpLabels>;
  readonly startupSeconds: Gauge;
  /** In-flight bookkeeping: a plain counter, read only when /metrics is scraped. */
  requestStarted(): void;
  requestFinished(): void;
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
    requestStarted: () => void active++,
    requestFinished: () => void active--,
  };
}
