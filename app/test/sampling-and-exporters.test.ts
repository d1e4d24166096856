// The sampler built from OTEL_TRACES_SAMPLER / _ARG (the 3.x SDK no longer reads them itself), and the
// exporter-off paths: OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER=none leave that signal without a
// provider, while the other keeps working.
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { buildSampler } from '../src/telemetry/sampler.ts';
import { startTelemetry } from '../src/telemetry/sdk.ts';
import { testConfig } from './helpers/service.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function decide(name: Parameters<typeof buildSampler>[0], ratio: number, parent?: 'sampled' | 'unsampled') {
  const ctx = parent
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE_ID,
        spanId: 'b7ad6b7169203331',
        traceFlags: parent === 'sampled' ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      })
    : context.active();
  return buildSampler(name, ratio).shouldSample(ctx, TRACE_ID, 'GET /api/json', SpanKind.SERVER, {}, [])
    .decision;
}

describe('buildSampler', () => {
  const ON = SamplingDecision.RECORD_AND_SAMPLED;
  const OFF = SamplingDecision.NOT_RECORD;
  it.each([
    ['always_on', 0, undefined, ON],
    ['always_off', 1, undefined, OFF],
    ['traceidratio', 1, undefined, ON],
    ['traceidratio', 0, undefined, OFF],
    ['parentbased_always_on', 0, undefined, ON],
    ['parentbased_always_on', 0, 'unsampled', OFF],
    ['parentbased_always_off', 0, undefined, OFF],
    ['parentbased_always_off', 0, 'sampled', ON],
    ['parentbased_traceidratio', 0, undefined, OFF],
    ['parentbased_traceidratio', 0, 'sampled', ON],
  ] as const)('%s (ratio %d, parent %s) decides %s', (name, ratio, parent, decision) => {
    expect(decide(name, ratio, parent)).toBe(decision);
  });
});

describe('exporters switched off', () => {
  it('traces and logs off: no tracing, no logger provider, nothing to flush', async () => {
    const telemetry = startTelemetry(
      testConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }),
      'native',
    );
    expect(telemetry.tracing).toBe(false);
    expect(telemetry.loggerProvider).toBeNull();
    await telemetry.forceFlush();
    await telemetry.shutdown(1000);
  });

  it('traces off, logs on: log records are still exported', async () => {
    const logs = new InMemoryLogRecordExporter();
    const telemetry = startTelemetry(testConfig({ OTEL_TRACES_EXPORTER: 'none' }), 'native', {
      logExporter: logs,
    });
    expect(telemetry.tracing).toBe(false);
    telemetry.loggerProvider!.getLogger('t').emit({ body: 'still logged' });
    await telemetry.forceFlush();
    expect(logs.getFinishedLogRecords().map((r) => r.body)).toEqual(['still logged']);
    await telemetry.shutdown(1000);
  });
});
