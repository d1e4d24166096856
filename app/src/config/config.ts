// The one place where the process environment is read and validated. Everything else receives a
// typed, frozen Config. A bad value stops start-up with a message naming the variable and the rule.
// zod/mini: the same validation with a tree-shakable API (full zod added ~700 KiB to the bundle).
import * as z from 'zod/mini';

z.config(z.locales.en()); // zod/mini ships without messages; English ones name the allowed values

import { ENVIRONMENTS, type DeploymentEnvironment } from './environments.ts';

export type { DeploymentEnvironment };

const int = (min: number, max: number, fallback: number) =>
  z._default(
    z.coerce.number().check(z.int({ error: 'must be an integer' }), z.minimum(min), z.maximum(max)),
    fallback,
  );
/** An integer with no fixed default: undefined when unset, the caller derives one (from the memory limit). */
const optionalInt = (min: number, max: number) =>
  z.optional(z.coerce.number().check(z.int({ error: 'must be an integer' }), z.minimum(min), z.maximum(max)));
const flag = (fallback: boolean) =>
  z._default(
    z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] }),
    fallback,
  );

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** Every variable the service reads, with its default and allowed range (README: Configuration). */
const schema = z.object({
  PORT: int(0, 65535, 8080),
  HOST: z._default(z.string(), '127.0.0.1'),
  LOG_LEVEL: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  // false: while OTLP log export is on, each request's access line is exported only, not also written
  // to stdout (application events still go to both). Writing every access line twice is the largest
  // single cost of telemetry per request (docs/telemetry-overhead.md). Without OTLP log export the
  // lines stay on stdout: never nowhere.
  ACCESS_LOG_STDOUT: flag(true),
  APP_ENVIRONMENT: z.optional(z.enum(ENVIRONMENTS)),
  SHUTDOWN_DRAIN_MS: int(0, 120_000, 10_000),
  SHUTDOWN_DELAY_MS: int(0, 60_000, 0),
  // Start, answer one request per probe and the lightest route, stop (the image build fills the V8 code cache so).
  EXIT_WHEN_READY: flag(false),

  // Overload and slow clients: refuse (503 + Retry-After) beyond this many requests in progress, or,
  // once requests have queued longer than MAX_QUEUE_DELAY_MS (0: off) for QUEUE_DELAY_INTERVAL_MS, a
  // request that has waited longer (CoDel), until the queue has stayed shorter for as long; keep idle
  // connections this long (longer than clients' and load balancers' idle timeouts, so a client never
  // reuses one the server is closing); close a connection whose request headers, or whole request,
  // take longer than this to arrive (slowloris).
  MAX_IN_FLIGHT: int(1, 100_000, 256),
  MAX_QUEUE_DELAY_MS: int(0, 60_000, 5),
  QUEUE_DELAY_INTERVAL_MS: int(0, 60_000, 100),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1000, 600_000, 65_000),
  // Connections the kernel completes and queues until the app accepts them. Beyond it a new connection's
  // handshake is dropped and the client retries after 1 s, 3 s, 7 s: latency no one can see or shed.
  HTTP_LISTEN_BACKLOG: int(1, 65_535, 4096),
  // Listening sockets on the one port (SO_REUSEPORT, Linux; elsewhere 1). The event loop accepts one
  // connection per socket per turn, and an overloaded turn lasts tens of milliseconds: with one socket,
  // new connections wait in the accept queue for seconds, where no admission rule can see or refuse them.
  HTTP_ACCEPT_SOCKETS: int(1, 256, 32),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 600_000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 3_600_000, 30_000),

  // Upper bounds of the workload endpoints: no single request (nor a crowd of them) can exhaust the host.
  CPU_MAX_ITERATIONS: int(1, 1_000_000_000, 50_000_000),
  MEMORY_MAX_MB: int(1, 1024, 64),
  MEMORY_MAX_HOLD_MS: int(0, 600_000, 10_000),
  // Unset: a quarter of the process's memory limit, at most 256 (workloads/memory.ts).
  MEMORY_BUDGET_MB: optionalInt(1, 4096),
  IO_MAX_KB: int(1, 1_048_576, 8192),
  IO_BUDGET_MB: int(1, 4096, 256),
  IO_DIR: z.optional(z.string()),
  DELAY_MAX_MS: int(0, 600_000, 30_000),
  JSON_MAX_ITEMS: int(1, 1_000_000, 10_000),
  ECHO_MAX_BYTES: int(1, 16 * 1024 * 1024, 64 * 1024),

  METRICS_EXEMPLARS: flag(true),

  // Standard OpenTelemetry variables the service honours (the exporters read OTEL_EXPORTER_OTLP_* themselves).
  OTEL_SDK_DISABLED: flag(false),
  OTEL_SERVICE_NAME: z._default(z.string(), 'cloud-benchmark'),
  OTEL_TRACES_EXPORTER: z._default(z.enum(['otlp', 'none']), 'otlp'),
  OTEL_LOGS_EXPORTER: z._default(z.enum(['otlp', 'none']), 'otlp'),
  OTEL_EXPORTER_OTLP_PROTOCOL: z._default(
    z.enum(['http/protobuf', 'http/json'], {
      error: 'must be http/protobuf or http/json (gRPC is not built in)',
    }),
    'http/protobuf',
  ),
  OTEL_TRACES_SAMPLER: z._default(z.enum(SAMPLERS), 'parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z._default(z.coerce.number().check(z.minimum(0), z.maximum(1)), 1),
  OTEL_BSP_SCHEDULE_DELAY: int(0, 600_000, 1000),
  OTEL_BSP_EXPORT_TIMEOUT: int(1, 600_000, 10_000),
  OTEL_BSP_MAX_QUEUE_SIZE: int(1, 1_000_000, 8192),
  // Small batches: the SDK exports one batch at a time and sends a full one at once, so a span waits
  // for its batch to fill. With 1024 a span waited ~150 ms at 7 000 req/s, outlived a few young-generation
  // collections and was promoted, and the old generation's garbage made the RSS under load ~165 MiB;
  // with 128 it waits ~20 ms, dies young, RSS ~142 MiB, throughput the same, p99 lower
  // (docs/telemetry-overhead.md). The same holds for log records.
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: int(1, 1_000_000, 128),
  OTEL_BLRP_SCHEDULE_DELAY: int(0, 600_000, 1000),
  OTEL_BLRP_EXPORT_TIMEOUT: int(1, 600_000, 10_000),
  OTEL_BLRP_MAX_QUEUE_SIZE: int(1, 1_000_000, 8192),
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: int(1, 1_000_000, 128),
});

type Raw = z.infer<typeof schema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: Raw['LOG_LEVEL'];
  readonly accessLogStdout: boolean;
  readonly environmentOverride: DeploymentEnvironment | undefined;
  readonly shutdownDrainMs: number;
  readonly shutdownDelayMs: number;
  readonly exitWhenReady: boolean;
  readonly http: {
    readonly maxInFlight: number;
    readonly maxQueueDelayMs: number;
    readonly queueDelayIntervalMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly listenBacklog: number;
    readonly acceptSockets: number;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
  };
  readonly workloads: {
    readonly cpuMaxIterations: number;
    readonly memoryMaxMb: number;
    readonly memoryMaxHoldMs: number;
    /** undefined: derived from the memory limit (defaultMemoryBudgetMb). */
    readonly memoryBudgetMb: number | undefined;
    readonly ioMaxKb: number;
    readonly ioBudgetMb: number;
    readonly ioDir: string | undefined;
    readonly delayMaxMs: number;
    readonly jsonMaxItems: number;
    readonly echoMaxBytes: number;
  };
  readonly metrics: { readonly exemplars: boolean };
  readonly telemetry: {
    readonly enabled: boolean;
    readonly serviceName: string;
    readonly tracesExporter: Raw['OTEL_TRACES_EXPORTER'];
    readonly logsExporter: Raw['OTEL_LOGS_EXPORTER'];
    readonly protocol: Raw['OTEL_EXPORTER_OTLP_PROTOCOL'];
    readonly sampler: Raw['OTEL_TRACES_SAMPLER'];
    readonly samplerArg: number;
    readonly spanBatch: BatchSettings;
    readonly logBatch: BatchSettings;
  };
}

export interface BatchSettings {
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment. Empty strings count as unset, as a shell `VAR=` usually means. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.');
        return `${key}=${JSON.stringify(present[key] ?? '')}: ${issue.message}`;
      }),
    );
  }
  const r = parsed.data;
  if (r.HTTP_HEADERS_TIMEOUT_MS > r.HTTP_REQUEST_TIMEOUT_MS) {
    // Node's rule: the headers are part of the request.
    throw new ConfigError(['HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS']);
  }
  if (r.OTEL_BSP_MAX_EXPORT_BATCH_SIZE > r.OTEL_BSP_MAX_QUEUE_SIZE) {
    throw new ConfigError(['OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BSP_MAX_QUEUE_SIZE']);
  }
  if (r.OTEL_BLRP_MAX_EXPORT_BATCH_SIZE > r.OTEL_BLRP_MAX_QUEUE_SIZE) {
    throw new ConfigError(['OTEL_BLRP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BLRP_MAX_QUEUE_SIZE']);
  }
  return Object.freeze({
    port: r.PORT,
    host: r.HOST,
    logLevel: r.LOG_LEVEL,
    accessLogStdout: r.ACCESS_LOG_STDOUT,
    environmentOverride: r.APP_ENVIRONMENT,
    shutdownDrainMs: r.SHUTDOWN_DRAIN_MS,
    shutdownDelayMs: r.SHUTDOWN_DELAY_MS,
    exitWhenReady: r.EXIT_WHEN_READY,
    http: Object.freeze({
      maxInFlight: r.MAX_IN_FLIGHT,
      maxQueueDelayMs: r.MAX_QUEUE_DELAY_MS,
      queueDelayIntervalMs: r.QUEUE_DELAY_INTERVAL_MS,
      keepAliveTimeoutMs: r.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      listenBacklog: r.HTTP_LISTEN_BACKLOG,
      acceptSockets: r.HTTP_ACCEPT_SOCKETS,
      headersTimeoutMs: r.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: r.HTTP_REQUEST_TIMEOUT_MS,
    }),
    workloads: Object.freeze({
      cpuMaxIterations: r.CPU_MAX_ITERATIONS,
      memoryMaxMb: r.MEMORY_MAX_MB,
      memoryMaxHoldMs: r.MEMORY_MAX_HOLD_MS,
      memoryBudgetMb: r.MEMORY_BUDGET_MB,
      ioMaxKb: r.IO_MAX_KB,
      ioBudgetMb: r.IO_BUDGET_MB,
      ioDir: r.IO_DIR,
      delayMaxMs: r.DELAY_MAX_MS,
      jsonMaxItems: r.JSON_MAX_ITEMS,
      echoMaxBytes: r.ECHO_MAX_BYTES,
    }),
    metrics: Object.freeze({ exemplars: r.METRICS_EXEMPLARS }),
    telemetry: Object.freeze({
      enabled: !r.OTEL_SDK_DISABLED,
      serviceName: r.OTEL_SERVICE_NAME,
      tracesExporter: r.OTEL_TRACES_EXPORTER,
      logsExporter: r.OTEL_LOGS_EXPORTER,
      protocol: r.OTEL_EXPORTER_OTLP_PROTOCOL,
      sampler: r.OTEL_TRACES_SAMPLER,
      samplerArg: r.OTEL_TRACES_SAMPLER_ARG,
      spanBatch: {
        scheduledDelayMillis: r.OTEL_BSP_SCHEDULE_DELAY,
        exportTimeoutMillis: r.OTEL_BSP_EXPORT_TIMEOUT,
        maxQueueSize: r.OTEL_BSP_MAX_QUEUE_SIZE,
        maxExportBatchSize: r.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
      },
      logBatch: {
        scheduledDelayMillis: r.OTEL_BLRP_SCHEDULE_DELAY,
        exportTimeoutMillis: r.OTEL_BLRP_EXPORT_TIMEOUT,
        maxQueueSize: r.OTEL_BLRP_MAX_QUEUE_SIZE,
        maxExportBatchSize: r.OTEL_BLRP_MAX_EXPORT_BATCH_SIZE,
      },
    }),
  });
}

/** The names of all variables, for the README table check and `--help`-style listings. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);
