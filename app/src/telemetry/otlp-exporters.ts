// OTLP/HTTP exporters for OTEL_EXPORTER_OTLP_PROTOCOL. They read OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]ENDPOINT,
// _HEADERS, _TIMEOUT and _COMPRESSION themselves, as the specification describes.
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from '../config/config.ts';

export function createOtlpExporters(protocol: Config['telemetry']['protocol']): {
  traces(): SpanExporter;
  logs(): LogRecordExporter;
} {
  return protocol === 'http/json'
    ? { traces: () => new TracesJson(), logs: () => new LogsJson() }
    : { traces: () => new TracesProto(), logs: () => new LogsProto() };
}
