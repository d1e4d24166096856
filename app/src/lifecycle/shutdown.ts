// The one shutdown sequence, run once whichever signal arrives: readiness goes 503, the listener stops
// accepting, in-flight requests get up to the drain time, telemetry is flushed, the process exits 0.
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.ts';
import type { TelemetryHandle } from '../telemetry/sdk.ts';
import type { Readiness } from './readiness.ts';

const IDLE_SWEEP_MS = 50;

export interface ShutdownDeps {
  readonly server: Server;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly telemetry: TelemetryHandle | undefined;
  readonly drainMs: number;
  /** How long to keep answering 503 on /ready before closing the listener (load balancers notice). */
  readonly delayMs: number;
  readonly flushTimeoutMs: number;
}

export async function shutdown(deps: ShutdownDeps, reason: string): Promise<void> {
  const { server, readiness, logger } = deps;
  readiness.markDraining();
  logger.info({ reason, drain_ms: deps.drainMs }, 'shutting down');
  if (deps.delayMs > 0) await sleep(deps.delayMs);

  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // close() only drops connections idle at that moment; keep-alive sockets whose last response
  // finishes later would hold the drain open until keepAliveTimeout, so sweep them as they go idle.
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const timedOut = await Promise.race([closed.then(() => false), sleep(deps.drainMs).then(() => true)]);
  clearInterval(sweeper);
  if (timedOut) {
    logger.warn({ drain_ms: deps.drainMs }, 'drain time over: closing remaining connections');
    server.closeAllConnections();
    await closed;
  }
  logger.info('requests drained; flushing telemetry');
  await deps.telemetry?.shutdown(deps.flushTimeoutMs);
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}

/** Installs SIGTERM/SIGINT handlers that run `shutdown` once and then exit with `exit`. */
export function onSignals(deps: ShutdownDeps, exit: (code: number) => void): void {
  let started = false;
  const handler = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    shutdown(deps, signal).then(
      () => exit(0),
      (error: unknown) => {
        deps.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
