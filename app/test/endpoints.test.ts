// Every endpoint's successful answer, against the real service on a loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { IO_MAX_KB: '256' } });
});
afterAll(() => svc.stop());

async function getJson(
  path: string,
): Promise<{ status: number; body: Record<string, unknown>; type: string | null }> {
  const res = await fetch(`${svc.url}${path}`);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    type: res.headers.get('content-type'),
  };
}

describe('probes', () => {
  it('GET /health answers 200 without dependencies', async () => {
    expect(await getJson('/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('GET /ready answers 200 once started and 503 problem+json while draining', async () => {
    const own = await startTestService();
    expect((await fetch(`${own.url}/ready`)).status).toBe(200);
    own.readiness.markDraining();
    const draining = await fetch(`${own.url}/ready`);
    expect(draining.status).toBe(503);
    expect(draining.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(draining.headers.get('retry-after')).toBe('1');
    expect(await draining.json()).toMatchObject({ status: 503, detail: 'phase: draining' });
    await own.stop();
  });

  it('GET /metrics serves OpenMetrics, when asked for it, with the service metrics', async () => {
    const res = await fetch(`${svc.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0' },
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1.0.0/);
    const text = await res.text();
    for (const name of [
      'http_server_request_duration_seconds',
      'http_server_active_requests',
      'app_startup_duration_seconds',
      'app_info',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
      'process_resident_memory_bytes',
      'process_cpu_seconds', // OpenMetrics names a counter family without its _total suffix
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text, name).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/app_info\{version="0\.1\.0",environment="native",node_version="24\.[\d.]+"\} 1/);
    expect(text).toMatch(/^# EOF$/m);
  });
});

describe('GET /status', () => {
  it('describes the process, its environment and its limits', async () => {
    const { status, body } = await getJson('/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      service: 'cloud-benchmark',
      version: '0.1.0',
      environment: 'native',
      environment_reason: 'APP_ENVIRONMENT',
      phase: 'ready',
      pid: process.pid,
    });
    expect(body.node_version).toMatch(/^24\./);
    expect(body.cpu_count).toBeGreaterThanOrEqual(1);
    expect(body.startup_duration_seconds).toBeGreaterThan(0);
    expect(body.limits).toHaveProperty('cpus');
    expect(body.limits).toHaveProperty('memory_bytes');
    expect((body.memory as Record<string, number>).rss_bytes).toBeGreaterThan(0);
  });
});

describe('workloads', () => {
  it('GET /api/cpu burns the requested iterations', async () => {
    const { status, body } = await getJson('/api/cpu?iterations=1000');
    expect(status).toBe(200);
    expect(body).toMatchObject({ iterations: 1000 });
    expect(typeof body.checksum).toBe('number');
  });

  it('GET /api/memory allocates, holds and releases', async () => {
    const { status, body } = await getJson('/api/memory?mb=2&holdMs=10');
    expect(status).toBe(200);
    expect(body).toEqual({ allocated_bytes: 2 * 1024 * 1024, held_ms: 10 });
  });

  it('GET /api/io writes, fsyncs, reads back and deletes', async () => {
    const { status, body } = await getJson('/api/io?kb=16');
    expect(status).toBe(200);
    expect(body.bytes).toBe(16 * 1024);
    expect(body.fsync_ms).toBeGreaterThanOrEqual(0);
  });

  it('GET /api/delay waits at least the requested time', async () => {
    const t = performance.now();
    const { status } = await getJson('/api/delay?ms=50');
    expect(status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
  });

  it('GET /api/json builds N items', async () => {
    const { status, body } = await getJson('/api/json?items=3');
    expect(status).toBe(200);
    expect(body.count).toBe(3);
    expect(body.items).toHaveLength(3);
  });

  it('GET /api/fanout calls the service itself', async () => {
    const { status, body } = await getJson('/api/fanout?calls=3&ms=1');
    expect(status).toBe(200);
    expect(body.statuses).toEqual([200, 200, 200]);
  });

  it('POST /api/echo returns the JSON body and its size', async () => {
    const payload = JSON.stringify({ hello: 'world', n: [1, 2, 3] });
    const res = await fetch(`${svc.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: { hello: 'world', n: [1, 2, 3] }, bytes: payload.length });
  });

  it('HEAD works wherever GET does', async () => {
    const res = await fetch(`${svc.url}/api/json`, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });
});

describe('access log', () => {
  it('writes one line per observed request, none for probes', async () => {
    const before = svc.lines.length;
    await fetch(`${svc.url}/health`);
    await fetch(`${svc.url}/api/json?items=1`);
    const added = svc.lines.slice(before).filter((l) => l.msg === 'request completed');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/json',
      'http.response.status_code': 200,
    });
    expect(added[0]!.duration_ms).toBeGreaterThan(0);
  });
});
