// Turns each log call into one OpenTelemetry log record, in the caller's context: the active span
// supplies trace_id/span_id exactly as pino's mixin does for the stdout line. Errors become the
// semantic-convention exception.* attributes.
import { context, SeverityNumber, type AnyValue } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SERVICE_VERSION } from '../config/version.ts';
import type { LogRecordSink } from '../logging/logger.ts';

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

function errorAttributes(error: Error): Record<string, string> {
  return {
    'exception.type': error.name,
    'exception.message': error.message,
    ...(error.stack ? { 'exception.stacktrace': error.stack } : {}),
  };
}

export function createOtlpLogSink(provider: LoggerProvider): LogRecordSink {
  const logger = provider.getLogger('cloud-benchmark', SERVICE_VERSION);
  return (level, fields, message) => {
    const attributes: Record<string, AnyValue> = {};
    for (const key in fields) {
      const value = fields[key];
      if (value instanceof Error) Object.assign(attributes, errorAttributes(value));
      else if (value !== undefined) attributes[key] = value;
    }
    logger.emit({
      timestamp: Date.now(),
      severityNumber: SEVERITY[level] ?? SeverityNumber.UNSPECIFIED,
      severityText: level.toUpperCase(),
      body: message,
      attributes,
      context: context.active(),
    });
  };
}
