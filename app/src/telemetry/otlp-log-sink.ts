// A pino destination that turns each serialized log line into one OpenTelemetry log record. The trace
// context comes from the line's own trace_id/span_id, so a record is correlated exactly as the stdout
// line is, whichever async context the write happens in.
import { ROOT_CONTEXT, SeverityNumber, trace, type Attributes } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { DestinationStream } from 'pino';
import { SERVICE_VERSION } from '../config/version.ts';

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** Fields that are the record's envelope, not attributes (host and pid are on the resource). */
const ENVELOPE = new Set(['level', 'time', 'msg', 'trace_id', 'span_id', 'trace_flags', 'hostname', 'pid']);

export function createOtlpLogSink(provider: LoggerProvider): DestinationStream {
  const logger = provider.getLogger('cloud-benchmark', SERVICE_VERSION);
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // pino only writes JSON; nothing else reaches this sink.
      }
      const attributes: Attributes = {};
      for (const key in record) {
        if (!ENVELOPE.has(key)) attributes[key] = record[key];
      }
      const level = typeof record.level === 'string' ? record.level : 'info';
      const traceId = record.trace_id;
      const spanId = record.span_id;
      const ctx =
        typeof traceId === 'string' && typeof spanId === 'string'
          ? trace.setSpanContext(ROOT_CONTEXT, {
              traceId,
              spanId,
              traceFlags: record.trace_flags === '00' ? 0 : 1,
              isRemote: false,
            })
          : ROOT_CONTEXT;
      logger.emit({
        timestamp: typeof record.time === 'string' ? new Date(record.time) : Date.now(),
        severityNumber: SEVERITY[level] ?? SeverityNumber.UNSPECIFIED,
        severityText: level.toUpperCase(),
        body: record.msg ?? '',
        attributes,
        context: ctx,
      });
    },
  };
}
