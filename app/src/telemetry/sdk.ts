// Starts tracing and OTLP log export with only what this service needs: a tracer provider with a batch
// processor, a logger provider with a batch processor, OTLP/HTTP exporters, W3C propagation and the
// undici (fetch) instrumentation for outbound calls. Incoming requests are traced by a lean Express
// middleware (http/middleware/request-telemetry.ts), not by patching `http`: that is where the cost of
// naive auto-instrumentation was (README: Telemetry cost).
import { context, logs, propagation, trace, type MeterProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  BatchSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { Metric } from 'prom-client';
import type { Config, DeploymentEnvironment } from '../config/config.ts';
import { exportedItems, ReportingExporter, type TelemetryNotice } from './export-health.ts';
import { PromMeterProvider } from './prom-meter-provider.ts';
import { buildResource } from './resource.ts';
import { buildSampler } from './sampler.ts';
import { createOtlpExporters } from './otlp-exporters.ts';

export interface TelemetryHandle {
  /** Null when OTEL_LOGS_EXPORTER=none: logs then go to stdout only. */
  readonly loggerProvider: LoggerProvider | null;
  readonly tracing: boolean;
  /** prom-client metrics describing the telemetry pipeline itself, for the app's registry. */
  readonly metrics: readonly Metric[];
  /** Where pipeline warnings go once the app has a logger (stderr until then). */
  setNotice(notice: TelemetryNotice): void;
  forceFlush(): Promise<void>;
  /** Flushes and stops; never rejects (a failed flush is reported through the notice). */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface TelemetryOverrides {
  /** Tests pass in-memory exporters; production uses OTLP. */
  readonly spanExporter?: SpanExporter;
  readonly logExporter?: LogRecordExporter;
}

const stderrNotice: TelemetryNotice = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), msg: message, ...fields })}\n`);
};

export function startTelemetry(
  config: Config,
  environment: DeploymentEnvironment,
  overrides: TelemetryOverrides = {},
): TelemetryHandle {
  const t = config.telemetry;
  let notice: TelemetryNotice = stderrNotice;
  const currentNotice = () => notice;
  const resource = buildResource(t.serviceName, environment);
  const selfMetrics = new PromMeterProvider();
  const meterProvider: MeterProvider = selfMetrics;
  const otlp =
    (t.tracesExporter === 'otlp' && !overrides.spanExporter) ||
    (t.logsExporter === 'otlp' && !overrides.logExporter)
      ? createOtlpExporters(t.protocol)
      : undefined;

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );

  let tracerProvider: TracerProvider | null = null;
  const spanExporter = overrides.spanExporter ?? (t.tracesExporter === 'otlp' ? otlp?.traces() : undefined);
  if (spanExporter) {
    tracerProvider = new TracerProvider({
      resource,
      sampler: buildSampler(t.sampler, t.samplerArg),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new ReportingExporter<ReadableSpan>(spanExporter, 'traces', currentNotice),
          ...t.spanBatch,
          selfObsMeterProvider: meterProvider,
        }),
      ],
    });
    trace.setGlobalTracerProvider(tracerProvider);
  }

  let loggerProvider: LoggerProvider | null = null;
  const logExporter = overrides.logExporter ?? (t.logsExporter === 'otlp' ? otlp?.logs() : undefined);
  if (logExporter) {
    loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: new ReportingExporter<ReadableLogRecord>(logExporter, 'logs', currentNotice),
          ...t.logBatch,
          selfObsMeterProvider: meterProvider,
        }),
      ],
    });
    logs.setGlobalLoggerProvider(loggerProvider);
  }

  const stopFetchInstrumentation = tracerProvider ? instrumentOutboundFetch() : () => undefined;

  const providers = [tracerProvider, loggerProvider].filter((p) => p !== null);
  return {
    loggerProvider,
    tracing: tracerProvider !== null,
    metrics: [exportedItems, ...selfMetrics.metrics],
    setNotice(next) {
      notice = next;
    },
    async forceFlush() {
      await Promise.all(providers.map((p) => p.forceFlush()));
    },
    async shutdown(timeoutMs) {
      stopFetchInstrumentation();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const outcome = await Promise.race([Promise.all(providers.map((p) => p.shutdown())), deadline]);
        if (outcome === 'timeout')
          notice('warn', 'telemetry flush timed out at shutdown', { timeout_ms: timeoutMs });
      } catch (error) {
        notice('warn', 'telemetry flush failed at shutdown', { error: (error as Error).message });
      } finally {
        clearTimeout(timer);
        trace.disable();
        logs.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
}

// Outbound fetch() spans come from undici's diagnostics channels: no module patching, so module
// load order cannot lose them.
function instrumentOutboundFetch(): () => void {
  // Enabled on construction (config.enabled defaults to true; enable() alone would not flip it).
  const instrumentation = new UndiciInstrumentation();
  instrumentation.setTracerProvider(trace.getTracerProvider());
  return () => instrumentation.disable();
}
