// Loaded with `node --import` before any application module, so that tracing and log export exist
// before the first request can arrive. Reads the same validated configuration as the app.
// First: stack traces name the TypeScript sources from here on (instead of --enable-source-maps).
import '../runtime/install-stack-traces.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { detectEnvironment } from '../runtime/detect-environment.ts';
import { setTelemetry } from './handle.ts';
import { startTelemetry } from './sdk.ts';

try {
  const config = loadConfig();
  if (config.telemetry.enabled) {
    const { environment } = detectEnvironment(config.environmentOverride);
    setTelemetry(startTelemetry(config, environment));
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`cloud-benchmark: ${error.message}\n`);
  process.exit(1);
}
