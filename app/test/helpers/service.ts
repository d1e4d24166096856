// Starts the real service in-process on a random loopback port, with its log lines captured.
import type { DestinationStream } from 'pino';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { startService, type RunningService } from '../../src/server.ts';
import type { TelemetryHandle } from '../../src/telemetry/sdk.ts';
import { poll } from '../../../harness/poll.ts';

export interface TestService extends RunningService {
  /** Every log line written so far, parsed. */
  readonly lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ PORT: '0', HOST: '127.0.0.1', APP_ENVIRONMENT: 'native', LOG_LEVEL: 'info', ...env });
}

export async function startTestService(
  options: { env?: Record<string, string>; telemetry?: TelemetryHandle } = {},
): Promise<TestService> {
  const lines: Record<string, unknown>[] = [];
  const destination: DestinationStream = {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const service = await startService({
    config: testConfig(options.env),
    telemetry: options.telemetry,
    logDestination: destination,
  });
  return {
    ...service,
    lines,
    stop: () =>
      new Promise<void>((resolve) => {
        service.server.closeAllConnections();
        service.server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it returns a value or `timeoutMs` passes; never sleeps blindly. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  return poll(check, { what: 'condition', timeoutMs, intervalMs: 25 });
}

/**
 * Waits until the app reports `n` requests in progress (its http_server_active_requests gauge: probes
 * and /metrics are not counted): the observable state "those requests are being handled now".
 */
export async function untilInProgress(baseUrl: string, n: number, timeoutMs = 10_000): Promise<void> {
  await poll(
    async () => {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const m = /^http_server_active_requests (\d+)/m.exec(text);
      return m && Number(m[1]) >= n ? true : undefined;
    },
    { what: `${n} requests in progress at ${baseUrl}`, timeoutMs, intervalMs: 10 },
  );
}
