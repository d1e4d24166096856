// Wraps an OTLP exporter so that an unreachable collector is reported once per outage (not once per
// batch) and every failed or succeeded export is counted on /metrics. The SDK's default is silence.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { Counter } from 'prom-client';

export interface ItemExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export type TelemetryNotice = (
  level: 'warn' | 'info',
  message: string,
  fields: Record<string, unknown>,
) => void;

export const exportedItems = new Counter({
  name: 'telemetry_export_items_total',
  help: 'Spans or log records handed to the OTLP exporter, by signal and outcome (success or failure).',
  labelNames: ['signal', 'outcome'] as const,
  registers: [],
});

export class ReportingExporter<T> implements ItemExporter<T> {
  private failing = false;
  private readonly inner: ItemExporter<T>;
  private readonly signal: 'traces' | 'logs';
  private readonly notice: () => TelemetryNotice;

  constructor(inner: ItemExporter<T>, signal: 'traces' | 'logs', notice: () => TelemetryNotice) {
    this.inner = inner;
    this.signal = signal;
    this.notice = notice;
  }

  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(items, (result) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      exportedItems.inc({ signal: this.signal, outcome: ok ? 'success' : 'failure' }, items.length);
      if (!ok && !this.failing) {
        this.failing = true;
        this.notice()(
          'warn',
          `OTLP ${this.signal} export failing; further failures are only counted until it recovers`,
          {
            signal: this.signal,
            error: result.error?.message ?? 'unknown error',
            metric: 'telemetry_export_items_total{outcome="failure"}',
          },
        );
      } else if (ok && this.failing) {
        this.failing = false;
        this.notice()('info', `OTLP ${this.signal} export recovered`, { signal: this.signal });
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
