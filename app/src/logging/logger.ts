// pino, JSON to stdout. Every line written while a span is active carries its trace_id and span_id.
// When OTLP log export is on, each log call is also handed, before serialisation, to a record sink
// (telemetry/otlp-log-sink.ts): one call, two destinations, each written exactly once, and no
// re-parsing of the JSON line.
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Receives every log call that passes the level filter, with its fields and message. */
export type LogRecordSink = (
  levelLabel: string,
  fields: Readonly<Record<string, unknown>>,
  message: string,
) => void;

export interface LoggerOptions {
  readonly level: LevelWithSilent;
  readonly base: Record<string, string>;
  /** Defaults to synchronous writes to stdout. */
  readonly destination?: DestinationStream;
  readonly recordSink?: LogRecordSink;
}

function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}

/** pino's call forms: (obj, msg?), (err, msg?), (msg). */
function splitArgs(args: readonly unknown[]): { fields: Record<string, unknown>; message: string } {
  const [first, second] = args;
  if (typeof first === 'string') return { fields: {}, message: first };
  if (first instanceof Error)
    return { fields: { err: first }, message: typeof second === 'string' ? second : first.message };
  const fields = (first ?? {}) as Record<string, unknown>;
  return { fields, message: typeof second === 'string' ? second : '' };
}

export function createLogger(options: LoggerOptions): Logger {
  // Synchronous: a line is on stdout when the call returns (nothing lost on a crash, no delay). Buffered
  // and asynchronous writers measured no faster here (docs/telemetry-overhead.md).
  const stdout = options.destination ?? pino.destination({ dest: 1, sync: true });
  const sink = options.recordSink;
  return pino(
    {
      level: options.level,
      base: options.base,
      mixin: traceFields,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(sink
        ? {
            hooks: {
              logMethod(this: Logger, args, method, level) {
                const { fields, message } = splitArgs(args);
                sink(this.levels.labels[level] ?? 'info', fields, message);
                method.apply(this, args);
              },
            },
          }
        : {}),
    },
    stdout,
  );
}

/** Writes one request's access line. */
export type AccessLog = (fields: Readonly<Record<string, unknown>>, message: string) => void;

/**
 * Access lines through `logger` (stdout, and the OTLP sink when it has one), or, given `exportOnly`,
 * to that sink alone, with the logger's level still deciding whether the line is written at all.
 */
export function createAccessLog(logger: Logger, exportOnly?: LogRecordSink): AccessLog {
  if (!exportOnly) return (fields, message) => logger.info(fields, message);
  return (fields, message) => {
    if (logger.isLevelEnabled('info')) exportOnly('info', fields, message);
  };
}
