// An unexpected error inside a traced request: 500 problem+json with the trace id and no internals,
// and one error log line carrying the stack and the same trace id. The process keeps serving.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../src/http/middleware/error-handler.ts';
import { requestTelemetry } from '../src/http/middleware/request-telemetry.ts';
import { createAccessLog, createLogger } from '../src/logging/logger.ts';
import { createAppMetrics } from '../src/metrics/app-metrics.ts';
import { startTelemetry, type TelemetryHandle } from '../src/telemetry/sdk.ts';
import { testConfig } from './helpers/service.ts';

const lines: Record<string, unknown>[] = [];
let telemetry: TelemetryHandle;
let url: string;
let close: () => void;

beforeAll(async () => {
  telemetry = startTelemetry(testConfig(), 'native', { spanExporter: new InMemorySpanExporter() });
  const logger = createLogger({
    level: 'info',
    base: {},
    destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
  const metrics = createAppMetrics({ exemplars: true, version: 'test', environment: 'native' });
  const app = express();
  app.use(
    requestTelemetry({
      metrics,
      logger,
      accessLog: createAccessLog(logger),
      exemplars: true,
      unobserved: new Set(),
    }),
  );
  app.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  app.get('/async-boom', async () => {
    await Promise.resolve();
    throw new TypeError('async internal detail');
  });
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.use(errorHandler(logger));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close();
  await telemetry.shutdown(1000);
});

describe('unexpected errors', () => {
  it.each(['/boom', '/async-boom'])('%s → 500 problem+json with the trace id, no internals', async (path) => {
    const res = await fetch(`${url}${path}`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await res.text();
    expect(text).not.toContain('internal detail');
    expect(text).not.toMatch(/at .*:\d+:\d+/);
    const problem = JSON.parse(text) as { status: number; trace_id: string };
    expect(problem.status).toBe(500);
    expect(problem.trace_id).toMatch(/^[0-9a-f]{32}$/);

    const logged = lines.find((l) => l.msg === 'unhandled error' && l.trace_id === problem.trace_id);
    expect(logged, 'an error log line with the same trace id').toBeDefined();
    expect(JSON.stringify(logged!.err)).toContain('internal detail');
    expect((logged!.err as { stack: string }).stack).toMatch(/at /);
  });

  it('keeps serving afterwards', async () => {
    expect((await fetch(`${url}/ok`)).status).toBe(200);
  });
});
