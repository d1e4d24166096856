// The compose stack (compose/compose.yaml) as the end-to-end tests and the stack benchmark run it: the
// images the toolchain built locally, test-only host ports (so a user's own stack on the default ports
// is not disturbed), its own project name, the services that can run on this machine; and clients of
// its backends (Prometheus queries, Jaeger traces) with polling on their answers.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortsSync } from './ports.ts';
import { appImage, COMPOSE_DIR, loadToolchainEnv } from './project-env.ts';

// scripts/toolchain.sh records the local builds; variables set by the caller win.
loadToolchainEnv();

export { COMPOSE_DIR };
/** A compose project of its own per run (CB_STACK_PROJECT names one), so runs never share a stack. */
export const PROJECT = process.env.CB_STACK_PROJECT ?? `cb-e2e-${randomBytes(3).toString('hex')}`;

const [app, prometheus, jaeger, otlpGrpc, otlpHttp, collectorHealth, hostScraper] = freePortsSync(7);
/** Host ports of the test stack, on 127.0.0.1: free ones, found when this module is loaded. */
export const PORTS = {
  app: app!,
  prometheus: prometheus!,
  jaeger: jaeger!,
  otlpGrpc: otlpGrpc!,
  otlpHttp: otlpHttp!,
  collectorHealth: collectorHealth!,
  hostScraper: hostScraper!,
} as const;

export const URLS = {
  app: `http://127.0.0.1:${PORTS.app}`,
  prometheus: `http://127.0.0.1:${PORTS.prometheus}`,
  jaeger: `http://127.0.0.1:${PORTS.jaeger}`,
  collectorHealth: `http://127.0.0.1:${PORTS.collectorHealth}`,
} as const;

/**
 * Services of compose.yaml that cannot run on the project's build machines, why, and what checks their
 * part instead (docs/upstream-evidence.md).
 */
export const NOT_RUNNABLE_HERE: Readonly<Record<string, string>> = {
  loki: 'AGPL-licensed, never run on the build machines; its OTLP path is served by a Collector in test/e2e/loki-wire.test.ts, its LogQL parsed with Grafana’s grammar',
  grafana:
    'AGPL-licensed, never run on the build machines; its provisioning and dashboards are checked statically, their queries on Prometheus',
  cadvisor:
    'its program module is not served by the Go module proxy; its image facts and flags are cited in docs/upstream-evidence.md',
};

/** The services the end-to-end tests start (host-scraper is in the `host` profile). */
export const RUNNABLE_SERVICES = [
  'app',
  'otel-collector',
  'prometheus',
  'jaeger',
  'node-exporter',
  'host-scraper',
];

/** The host scraper's file_sd directory for the tests: a temporary one, never the repository's. */
export const TARGETS_DIR = mkdtempSync(join(tmpdir(), 'cb-targets-'));
// The scraper runs as nobody: it must be able to list and read the directory (mkdtemp makes it 0700).
chmodSync(TARGETS_DIR, 0o755);

/** Adds a copy of the app (and its node_exporter) outside Docker to the host scraper's targets. */
export function addHostTargets(environment: string, app: string, nodeExporter?: string): void {
  const target = (address: string) => JSON.stringify([{ targets: [address], labels: { environment } }]);
  writeFileSync(join(TARGETS_DIR, `app-${environment}.json`), target(app), { mode: 0o644 });
  if (nodeExporter)
    writeFileSync(join(TARGETS_DIR, `node-${environment}.json`), target(nodeExporter), { mode: 0o644 });
}

/** Compose variables: local images (from .toolchain.env) and test ports. */
export function stackEnvironment(): Record<string, string> {
  const env: Record<string, string> = {
    APP_IMAGE: appImage(),
    APP_PORT: String(PORTS.app),
    PROMETHEUS_PORT: String(PORTS.prometheus),
    JAEGER_UI_PORT: String(PORTS.jaeger),
    OTLP_GRPC_PORT: String(PORTS.otlpGrpc),
    OTLP_HTTP_PORT: String(PORTS.otlpHttp),
    OTELCOL_HEALTH_PORT: String(PORTS.collectorHealth),
    PROMETHEUS_TARGETS_DIR: TARGETS_DIR,
    HOST_SCRAPER_PORT: String(PORTS.hostScraper),
  };
  const local: Record<string, string | undefined> = {
    NODE_IMAGE: process.env.CB_NODE_IMAGE,
    PROMETHEUS_IMAGE: process.env.CB_PROMETHEUS_IMAGE,
    NODE_EXPORTER_IMAGE: process.env.CB_NODE_EXPORTER_IMAGE,
    JAEGER_IMAGE: process.env.CB_JAEGER_IMAGE,
    OTELCOL_IMAGE: process.env.CB_OTELCOL_IMAGE,
  };
  for (const [key, value] of Object.entries(local)) if (value) env[key] = value;
  return env;
}

/** Removes the test stack with its volumes and network; idempotent. */
export function downStack(): void {
  execFileSync(
    'docker',
    [
      'compose',
      '-p',
      PROJECT,
      '--profile',
      'host',
      'down',
      '--volumes',
      '--remove-orphans',
      '--timeout',
      '10',
    ],
    {
      cwd: COMPOSE_DIR,
      env: { ...process.env, ...stackEnvironment() },
      stdio: 'ignore',
      timeout: 120_000,
    },
  );
}

/** What the project left behind: containers, networks and volumes labelled with its name. */
export function leftovers(): string[] {
  const filter = `label=com.docker.compose.project=${PROJECT}`;
  const list = (args: string[], field = '{{.Name}}') =>
    execFileSync('docker', [...args, '--filter', filter, '--format', field], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  return [
    ...list(['ps', '-a'], '{{.Names}}').map((n) => `container ${n}`),
    ...list(['network', 'ls']).map((n) => `network ${n}`),
    ...list(['volume', 'ls']).map((n) => `volume ${n}`),
  ];
}

export { eventually, settle } from './poll.ts';

interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query against the test stack's Prometheus. */
export async function promQuery(query: string): Promise<PromVectorSample[]> {
  const res = await fetch(`${URLS.prometheus}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
  });
  const body = (await res.json()) as { status: string; error?: string; data: { result: PromVectorSample[] } };
  if (body.status !== 'success') throw new Error(`PromQL ${query}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** The single value of a query that must return one sample, or undefined when it returns none. */
export async function promScalar(query: string): Promise<number | undefined> {
  const result = await promQuery(query);
  if (result.length > 1) throw new Error(`PromQL ${query}: ${result.length} samples, expected one`);
  return result.length ? Number(result[0]!.value[1]) : undefined;
}

export interface JaegerTag {
  key: string;
  value: unknown;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  tags: JaegerTag[];
  references: { refType: string; spanID: string }[];
}

/** A trace as Jaeger's query API v1 serves it (and Grafana's Jaeger datasource reads it). */
export interface JaegerTraceData {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
}

/** Traces of a service's operation in Jaeger (query API v1) from the last hour, at most `limit`. */
export async function jaegerTraces(
  service: string,
  operation: string,
  limit: number,
): Promise<{ traceID: string; spans: JaegerSpan[] }[]> {
  const url = new URL('/api/traces', URLS.jaeger);
  url.search = new URLSearchParams({ service, operation, limit: String(limit), lookback: '1h' }).toString();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Jaeger ${url.href}: ${res.status}`);
  return ((await res.json()) as { data: { traceID: string; spans: JaegerSpan[] }[] }).data;
}

/** One trace by id, or undefined when Jaeger does not have it. */
export async function jaegerTrace(traceId: string): Promise<JaegerTraceData | undefined> {
  const res = await fetch(new URL(`/api/traces/${traceId}`, URLS.jaeger));
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`Jaeger trace ${traceId}: ${res.status}`);
  return ((await res.json()) as { data: JaegerTraceData[] }).data[0];
}
