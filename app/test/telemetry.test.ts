// The app's own instrumentation, with in-memory exporters: one request must yield a SERVER span named
// after its route, a log line (stdout and OTLP record) with that span's trace id, and a histogram
// observation whose exemplar carries the same trace id; and Prometheus' own parser must accept /metrics.
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { SpanKind } from '@opentelemetry/api';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type TelemetryHandle } from '../src/telemetry/sdk.ts';
import { buildGoTool, runWithInput } from './helpers/go-tool.ts';
import { eventually, startTestService, testConfig, type TestService } from './helpers/service.ts';

const spans = new InMemorySpanExporter();
const logRecords = new InMemoryLogRecordExporter();
let telemetry: TelemetryHandle;
let svc: TestService;

beforeAll(async () => {
  telemetry = startTelemetry(testConfig(), 'native', { spanExporter: spans, logExporter: logRecords });
  svc = await startTestService({ telemetry });
});
afterAll(async () => {
  await svc.stop();
  await telemetry.shutdown(2000);
});

async function flushed() {
  await telemetry.forceFlush();
}

/** node:http, not fetch: the test process shares the app's fetch instrumentation, which would add
 * its own CLIENT spans and traceparent headers to the test's requests. */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('one request to the JSON endpoint', () => {
  it('yields a span, a log line and an exemplar with the same trace id', async () => {
    spans.reset();
    logRecords.reset();
    const res = await get('/api/json?items=2', { 'user-agent': 'telemetry-test' });
    expect(res.status).toBe(200);
    await flushed();

    const server = spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(server).toHaveLength(1);
    const span = server[0]!;
    const traceId = span.spanContext().traceId;
    expect(span.name).toBe('GET /api/json');
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/json',
      'url.path': '/api/json',
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'user_agent.original': 'telemetry-test',
    });
    expect(span.resource.attributes).toMatchObject({
      'service.name': 'cloud-benchmark',
      'service.version': '0.1.0',
      'deployment.environment.name': 'native',
    });
    expect(span.resource.attributes['service.instance.id']).toBeTruthy();
    expect(span.resource.attributes['host.name']).toBeTruthy();

    const line = await eventually(() =>
      svc.lines.find((l) => l.msg === 'request completed' && l.trace_id === traceId),
    );
    expect(line.span_id).toBe(span.spanContext().spanId);

    const records = logRecords.getFinishedLogRecords().filter((r) => r.body === 'request completed');
    expect(records).toHaveLength(1); // exported exactly once
    expect(records[0]!.spanContext?.traceId).toBe(traceId);
    expect(records[0]!.attributes['http.route']).toBe('/api/json');

    const metrics = (await get('/metrics', { accept: OPENMETRICS })).body;
    const bucket = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_server_request_duration_seconds_bucket') &&
          l.includes('route="/api/json"') &&
          l.includes(traceId),
      );
    expect(bucket, 'a bucket line with the trace id as exemplar').toMatch(
      / # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\}/,
    );
  });

  it('continues a trace from an incoming traceparent', async () => {
    spans.reset();
    const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    await get('/api/delay?ms=0', { traceparent: `00-${parentTrace}-00f067aa0ba902b7-01` });
    await flushed();
    const span = spans.getFinishedSpans().find((s) => s.name === 'GET /api/delay')!;
    expect(span.spanContext().traceId).toBe(parentTrace);
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it("names an unmatched route's span by its method only, without http.route", async () => {
    spans.reset();
    await get('/does/not/exist');
    await flushed();
    const span = spans.getFinishedSpans()[0]!;
    expect(span.name).toBe('GET');
    expect(span.attributes['http.response.status_code']).toBe(404);
    expect(span.attributes['http.route']).toBeUndefined();
  });

  it('traces outbound fetch as CLIENT spans whose children are the called server spans', async () => {
    spans.reset();
    await get('/api/fanout?calls=2&ms=1');
    await flushed();
    const all = spans.getFinishedSpans();
    const root = all.find((s) => s.name === 'GET /api/fanout')!;
    const clients = all.filter((s) => s.kind === SpanKind.CLIENT);
    const children = all.filter((s) => s.name === 'GET /api/delay');
    expect(clients).toHaveLength(2);
    expect(children).toHaveLength(2);
    for (const c of clients) expect(c.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    for (const child of children) {
      expect(child.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(clients.map((c) => c.spanContext().spanId)).toContain(child.parentSpanContext?.spanId);
    }
  });

  it('does not trace, log or count probes and /metrics', async () => {
    spans.reset();
    const before = svc.lines.length;
    await get('/health');
    await get('/ready');
    await get('/metrics');
    await flushed();
    expect(spans.getFinishedSpans()).toHaveLength(0);
    expect(svc.lines.slice(before).filter((l) => l.msg === 'request completed')).toHaveLength(0);
  });
});

// What Prometheus 3 sends with scrape_protocols [OpenMetricsText1.0.0, PrometheusText0.0.4].
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3';
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0';

function fetchMetrics(
  accept: string | undefined,
): Promise<{ contentType: string; vary: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}/metrics`, { headers: accept ? { accept } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          contentType: String(res.headers['content-type']),
          vary: String(res.headers.vary),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('/metrics', () => {
  it(
    'parses with the OpenMetrics parser Prometheus scrapes with, exemplars included',
    { timeout: 300_000 },
    async () => {
      const lint = await buildGoTool('openmetrics-lint');
      await get('/api/json?items=1');
      const { body } = await get('/metrics', { accept: PROMETHEUS_ACCEPT });
      const { code, stdout } = await runWithInput(lint, body);
      const summary = JSON.parse(stdout) as {
        error?: string;
        metrics: string[];
        exemplars: { labels: Record<string, string> }[];
      };
      expect(summary.error).toBeUndefined();
      expect(code).toBe(0);
      expect(summary.metrics).toEqual(
        expect.arrayContaining([
          'http_server_request_duration_seconds',
          'app_info',
          'otel_sdk_processor_span_queue_size',
        ]),
      );
      expect(summary.exemplars.length).toBeGreaterThan(0);
      expect(summary.exemplars[0]!.labels.trace_id).toMatch(/^[0-9a-f]{32}$/);
    },
  );

  it.each([
    ['no Accept header', undefined],
    ['*/*', '*/*'],
    ['the text format (Telegraf, promtool)', 'text/plain;version=0.0.4'],
    [
      'the text format above OpenMetrics',
      'application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.5',
    ],
  ])(
    'answers %s with the Prometheus text format, no exemplars, that the text parser reads',
    { timeout: 300_000 },
    async (_what, accept) => {
      const lint = await buildGoTool('openmetrics-lint');
      await get('/api/json?items=1');
      const res = await fetchMetrics(accept);
      expect(res.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.vary).toMatch(/Accept/i);
      expect(res.body).not.toContain('# EOF');
      expect(res.body).not.toMatch(/ # \{trace_id=/);
      const { code, stdout } = await runWithInput(lint, res.body, ['-format=text']);
      const summary = JSON.parse(stdout) as { error?: string; metrics: string[]; samples: number };
      expect(summary.error).toBeUndefined();
      expect(code).toBe(0);
      expect(summary.metrics).toContain('http_server_request_duration_seconds');
    },
  );

  it('answers an OpenMetrics Accept header (as Prometheus sends it) with OpenMetrics', async () => {
    const res = await fetchMetrics(PROMETHEUS_ACCEPT);
    expect(res.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(res.body.trimEnd().endsWith('# EOF')).toBe(true);
  });

  it('counts what the span and log pipelines processed', async () => {
    await flushed();
    const { body } = await get('/metrics');
    expect(body).toMatch(
      /otel_sdk_processor_span_processed_total\{otel_component_type="batching_span_processor",otel_component_name="[^"]+"\} [1-9]/,
    );
    expect(body).toMatch(/otel_sdk_processor_log_processed_total\{[^}]*\} [1-9]/);
    expect(body).toMatch(/telemetry_export_items_total\{signal="traces",outcome="success"\} [1-9]/);
  });
});
