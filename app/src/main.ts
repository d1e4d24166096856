// The process entry point (composition root). Run it with the telemetry preload:
//   node --single-threaded-gc --heap-growing-percent=100 --import ./app/dist/preload.mjs app/dist/main.mjs   (npm start)
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { answerOwnRoutes } from './lifecycle/exit-when-ready.ts';
import { onSignals, shutdown, type ShutdownDeps } from './lifecycle/shutdown.ts';
import { startService } from './server.ts';
import { getTelemetry } from './telemetry/handle.ts';

/** Telemetry flush at shutdown never takes longer than this. */
const FLUSH_TIMEOUT_MS = 5000;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`cloud-benchmark: ${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();
const telemetry = getTelemetry();
const service = await startService({ config, telemetry });
if (!telemetry && config.telemetry.enabled) {
  service.logger.warn(
    'telemetry preload not loaded: no traces or OTLP logs (start with --import ./app/dist/preload.mjs)',
  );
}
// Every handler is awaited by Express 5, so this is a bug if it fires: keep serving, say so loudly.
process.on('unhandledRejection', (reason) =>
  service.logger.error({ err: reason }, 'unhandled promise rejection'),
);

const shutdownDeps: ShutdownDeps = {
  server: service.server,
  readiness: service.readiness,
  logger: service.logger,
  telemetry,
  drainMs: config.shutdownDrainMs,
  delayMs: config.shutdownDelayMs,
  flushTimeoutMs: FLUSH_TIMEOUT_MS,
};
onSignals(shutdownDeps, (code) => process.exit(code));

if (config.exitWhenReady) {
  const answered = await answerOwnRoutes(service.url, service.logger);
  await shutdown(shutdownDeps, 'EXIT_WHEN_READY');
  process.exit(answered ? 0 : 1);
}
