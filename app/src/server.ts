// Assembles the service (config → environment → logger → metrics → app) and starts listening. Used by
// main.ts for the real process and by tests, which start it in-process on port 0.
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer, ServerOptions } from 'node:http';
import { totalmem } from 'node:os';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Config } from './config/config.ts';
import { SERVICE_VERSION } from './config/version.ts';
import { createApp } from './http/app.ts';
import { answerClientError } from './http/client-errors.ts';
import type { AppContext } from './http/context.ts';
import { CapacityBudget } from './lib/capacity-budget.ts';
import { Readiness } from './lifecycle/readiness.ts';
import { createAccessLog, createLogger, type Logger } from './logging/logger.ts';
import { createAppMetrics, type AppMetrics } from './metrics/app-metrics.ts';
import { readCgroupLimits } from './runtime/cgroup-limits.ts';
import { detectEnvironment, type DetectedEnvironment } from './runtime/detect-environment.ts';
import { createOtlpLogSink } from './telemetry/otlp-log-sink.ts';
import type { TelemetryHandle } from './telemetry/sdk.ts';
import { defaultMemoryBudgetMb } from './workloads/memory.ts';
import type { DestinationStream } from 'pino';

// Not `import { Server } from 'node:http'`: importing it as an ES module builds its ES facade, which
// reads every export, and node:http's WebSocket, CloseEvent and MessageEvent getters then load undici —
// about 30 ms of every start-up (a CPU profile of the app's start; 36 ms against 3.5 ms for the
// CommonJS module). getBuiltinModule returns the CommonJS module and reads nothing.
const { Server } = process.getBuiltinModule('node:http');
type Server = HttpServer;

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

// What http.Server gives its own sockets (allowHalfOpen: a client that half-closes still gets its answer).
const SOCKET_OPTIONS = { allowHalfOpen: true, noDelay: true } as const;

/**
 * An HTTP server that accepts on several sockets bound to one port (SO_REUSEPORT). libuv accepts one
 * connection per listening socket per event-loop turn (libuv 1.45 and later, commit 6c692ad "unix:
 * don't accept() connections in a loop"); under overload a turn lasts tens of milliseconds, so one
 * socket accepts a few dozen connections a second while a client opens hundreds: they wait in the
 * kernel's accept queue, for seconds, unseen by admission control, and time out. Each further socket
 * accepts one more per turn; the kernel spreads new connections over them. Their connections are
 * handed to this server, so its timeouts, connection tracking and drain cover them; close() stops
 * every socket.
 */
class SharedPortServer extends Server {
  readonly #extra: NetServer[] = [];

  /** Binds `count - 1` more sockets to the port this server listens on (call after it listens). */
  async addAcceptSockets(count: number, host: string, backlog: number): Promise<void> {
    const { port } = this.address() as AddressInfo;
    for (let i = 1; i < count; i++) {
      const socket = createNetServer(SOCKET_OPTIONS, (connection) => this.emit('connection', connection));
      this.#extra.push(socket);
      await listen(socket, { port, host, backlog, reusePort: true });
    }
  }

  /**
   * Stops every socket; `callback` runs once the connections of all of them have ended (each socket
   * counts the connections it accepted: this server's own 'close' event sees only its own).
   */
  override close(callback?: (err?: Error) => void): this {
    const others = this.#extra.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve())));
    return super.close((err) => void Promise.all(others).then(() => callback?.(err)));
  }
}

function listen(server: NetServer, options: Parameters<NetServer['listen']>[0]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Binds host:port without SO_REUSEPORT and lets it go: fails if anything listens there; the port. */
async function exclusivePort(host: string, port: number): Promise<number> {
  const probe = createNetServer();
  await listen(probe, { port, host });
  const bound = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return bound;
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const { config, telemetry } = options;
  const environment = detectEnvironment(config.environmentOverride);
  const recordSink = telemetry?.loggerProvider ? createOtlpLogSink(telemetry.loggerProvider) : undefined;
  const logger = createLogger({
    level: config.logLevel,
    base: { service: config.telemetry.serviceName, environment: environment.environment },
    ...(options.logDestination ? { destination: options.logDestination } : {}),
    ...(recordSink ? { recordSink } : {}),
  });
  const accessLog = createAccessLog(logger, config.accessLogStdout ? undefined : recordSink);
  if (!config.accessLogStdout && !recordSink)
    logger.warn(
      { setting: 'ACCESS_LOG_STDOUT=false' },
      'access lines stay on stdout: OTLP log export is off, and they would go nowhere else',
    );
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
    accessLog,
    metrics,
    readiness,
    budgets: {
      memoryMb: new CapacityBudget(
        config.workloads.memoryBudgetMb ??
          defaultMemoryBudgetMb(readCgroupLimits().memoryBytes ?? totalmem()),
      ),
      ioKb: new CapacityBudget(config.workloads.ioBudgetMb * 1024),
    },
    startupSeconds: () => startupSeconds,
    selfUrl: () => url,
    selfCallHeader: { name: 'x-cloud-benchmark-self-call', value: randomUUID() },
    tracing: telemetry?.tracing ?? false,
  };

  const serverOptions: ServerOptions = {
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    headersTimeout: config.http.headersTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    // How often Node checks those timeouts (default 30 s): a slow client is cut within ~1 s of its limit.
    connectionsCheckingInterval: 1000,
  };
  const server = new SharedPortServer(serverOptions, createApp(ctx));
  server.on('clientError', answerClientError);
  // SO_REUSEPORT spreads connections over the sockets on Linux; other systems get one socket.
  const acceptSockets = process.platform === 'linux' ? config.http.acceptSockets : 1;
  const backlog = config.http.listenBacklog;
  // SO_REUSEPORT would let a second copy of the service share a port it should have found taken: take the
  // port alone first, so a port in use is still EADDRINUSE (and port 0 becomes a free port).
  const port = acceptSockets > 1 ? await exclusivePort(config.host, config.port) : config.port;
  await listen(server, { port, host: config.host, backlog, reusePort: acceptSockets > 1 });
  try {
    await server.addAcceptSockets(acceptSockets, config.host, backlog);
  } catch (error) {
    server.close();
    throw error;
  }
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
