// pino, JSON to stdout. Every line written while a span is active carries its trace_id and span_id.
// When OTLP log export is on, the same serialized record is also handed to the OTLP sink: one record,
// two destinations, each written exactly once.
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly level: LevelWithSilent;
  readonly base: Record<string, string>;
  /** Defaults to an asynchronous stdout writer. */
  readonly destination?: DestinationStream;
  /** Receives every serialized line as well (telemetry/otlp-log-sink.ts). */
  readonly otlpSink?: DestinationStream;
}

function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}

export function createLogger(options: LoggerOptions): Logger {
  const stdout = options.destination ?? pino.destination({ dest: 1, sync: false });
  const stream = options.otlpSink
    ? pino.multistream([
        { level: 'trace', stream: stdout },
        { level: 'trace', stream: options.otlpSink },
      ])
    : stdout;
  return pino(
    {
      level: options.level,
      base: options.base,
      mixin: traceFields,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}
