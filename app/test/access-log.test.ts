// ACCESS_LOG_STDOUT=false: with OTLP log export on, each access line is exported once and not written to
// stdout, while application events still go to both; and without OTLP log export the setting cannot
// make access lines disappear. In-memory exporters: this is the app's own routing of its log calls.
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type TelemetryHandle } from '../src/telemetry/sdk.ts';
import { eventually, startTestService, testConfig, type TestService } from './helpers/service.ts';

const ACCESS = 'request completed';

describe('ACCESS_LOG_STDOUT=false with OTLP log export', () => {
  const spans = new InMemorySpanExporter();
  const records = new InMemoryLogRecordExporter();
  let telemetry: TelemetryHandle;
  let svc: TestService;

  beforeAll(async () => {
    const env = { ACCESS_LOG_STDOUT: 'false' };
    telemetry = startTelemetry(testConfig(env), 'native', { spanExporter: spans, logExporter: records });
    svc = await startTestService({ env, telemetry });
  });
  afterAll(async () => {
    await svc.stop();
    await telemetry.shutdown(2000);
  });

  it('exports the access line with its trace ids and writes none to stdout', async () => {
    const res = await fetch(`${svc.url}/api/json?items=1`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // The line is written when the server closes the response, which may follow the client's read.
    const exported = await eventually(async () => {
      await telemetry.forceFlush();
      const found = records.getFinishedLogRecords().filter((r) => r.body === ACCESS);
      return found.length ? found : undefined;
    });
    const server = spans.getFinishedSpans().filter((s) => s.name === 'GET /api/json');
    expect(server).toHaveLength(1);
    expect(exported).toHaveLength(1);
    expect(exported[0]!.spanContext?.traceId).toBe(server[0]!.spanContext().traceId);
    expect(exported[0]!.attributes).toMatchObject({
      'http.route': '/api/json',
      'http.response.status_code': 200,
    });
    // The same call wrote the record: a stdout line from it would already be there.
    expect(svc.lines.filter((l) => l.msg === ACCESS)).toEqual([]);
  });

  it('still writes application events to stdout and exports them', async () => {
    await telemetry.forceFlush();
    expect(svc.lines.map((l) => l.msg)).toContain('ready');
    expect(records.getFinishedLogRecords().map((r) => r.body)).toContain('ready');
  });
});

describe('ACCESS_LOG_STDOUT=false without OTLP log export', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { ACCESS_LOG_STDOUT: 'false' } });
  });
  afterAll(() => svc.stop());

  it('keeps access lines on stdout and says why at start', async () => {
    const res = await fetch(`${svc.url}/api/json?items=1`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const line = await eventually(() => svc.lines.find((l) => l.msg === ACCESS));
    expect(line['url.path']).toBe('/api/json');
    expect(svc.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        setting: 'ACCESS_LOG_STDOUT=false',
        msg: 'access lines stay on stdout: OTLP log export is off, and they would go nowhere else',
      }),
    );
  });
});
