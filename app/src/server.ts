// Assembles the service (config → environment → logger → metrics → app) and starts listening. Used by
// main.ts for the real process and by tests, which start it in-process on port 0.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/config.ts';
import { SERVICE_VERSION } from './config/version.ts';
import { createApp } from './http/app.ts';
import { answerClientError } from './http/client-errors.ts';
import type { AppContext } from './http/context.ts';
import { CapacityBudget } from './lib/capacity-budget.ts';
import { Readiness } from './lifecycle/readiness.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { createAppMetrics, type AppMetrics } from './metrics/app-metrics.ts';
import { detectEnvironment, type DetectedEnvironment } from './runtime/detect-environment.ts';
import { createOtlpLogSink } from './telemetry/otlp-log-sink.ts';
import type { TelemetryHandle } from './telemetry/sdk.ts';
import type { DestinationStream } from 'pino';

export interface RunningService {
  readonly server: Server;
  readonly url: string;
  readonly logger: Logger;
  readonly metrics: AppMetrics;
  readonly readiness: Readiness;
  readonly environment: DetectedEnvironment;
}

export interface StartOptions {
  readonly config: Config;
  readonly telemetry: TelemetryHandle | undefined;
  /** Tests capture log lines; the process writes to stdout. */
  readonly logDestination?: DestinationStream;
}

function baseUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const { config, telemetry } = options;
  const environment = detectEnvironment(config.environmentOverride);
  const logger = createLogger({
    level: config.logLevel,
    base: { service: config.telemetry.serviceName, environment: environment.environment },
    ...(options.logDestination ? { destination: options.logDestination } : {}),
    ...(telemetry?.loggerProvider ? { recordSink: createOtlpLogSink(telemetry.loggerProvider) } : {}),
  });
  // Pipeline notices belong to no request: log them outside whatever span happened to be active.
  telemetry?.setNotice((level, message, fields) =>
    context.with(ROOT_CONTEXT, () => logger[level](fields, message)),
  );
  const metrics = createAppMetrics({
    exemplars: config.metrics.exemplars,
    version: SERVICE_VERSION,
    environment: environment.environment,
    extra: telemetry?.metrics ?? [],
  });
  const readiness = new Readiness();
  let startupSeconds: number | null = null;
  let url = '';
  const ctx: AppContext = {
    config,
    environment,
    logger,
    metrics,
    readiness,
    budgets: {
      memoryMb: new CapacityBudget(config.workloads.memoryBudgetMb),
      ioKb: new CapacityBudget(config.workloads.ioBudgetMb * 1024),
    },
    startupSeconds: () => startupSeconds,
    selfUrl: () => url,
    selfCallHeader: { name: 'x-cloud-benchmark-self-call', value: randomUUID() },
    tracing: telemetry?.tracing ?? false,
  };

  const server = createServer(
    {
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      // How often Node checks those timeouts (default 30 s): a slow client is cut within ~1 s of its limit.
      connectionsCheckingInterval: 1000,
    },
    createApp(ctx),
  );
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host, backlog: config.http.listenBacklog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = baseUrl(server.address() as AddressInfo);
  // performance.now() counts from process start: this is the real start-up time, module loading included.
  startupSeconds = performance.now() / 1000;
  metrics.startupSeconds.set(startupSeconds);
  readiness.markReady();
  logger.info(
    {
      url,
      environment_reason: environment.reason,
      startup_ms: Math.round(startupSeconds * 1000),
      tracing: ctx.tracing,
    },
    'ready',
  );
  return { server, url, logger, metrics, readiness, environment };
}
