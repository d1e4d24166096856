// Overload and slow clients against the real service: beyond MAX_IN_FLIGHT requests in progress new ones
// are shed at once (503 problem+json, Retry-After) while probes still answer; a client that trickles its
// headers (slowloris) is answered 408 and disconnected within its timeout, and others are served meanwhile.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestService, type TestService, untilInProgress } from './helpers/service.ts';

let service: TestService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe('load shedding (MAX_IN_FLIGHT)', () => {
  it('sheds the request beyond the limit with 503 + Retry-After, keeps probes up, and recovers', async () => {
    service = await startTestService({ env: { MAX_IN_FLIGHT: '2', OTEL_SDK_DISABLED: 'true' } });
    const url = service.url;
    const slow = [fetch(`${url}/api/delay?ms=1500`), fetch(`${url}/api/delay?ms=1500`)];
    await untilInProgress(url, 2);
    const shed = await fetch(`${url}/api/json?items=1`);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await shed.json()).toMatchObject({ type: 'urn:cloud-benchmark:problem:overloaded', status: 503 });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    for (const r of await Promise.all(slow)) expect(r.status).toBe(200);
    expect((await fetch(`${url}/api/json?items=1`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*status_code="503"[^}]*\} 1/);
  });

  it('sheds while the event loop runs late (a CPU-bound request blocks it), then serves again', async () => {
    service = await startTestService({
      env: { MAX_EVENT_LOOP_DELAY_MS: '100', CPU_MAX_ITERATIONS: '500000000', OTEL_SDK_DISABLED: 'true' },
    });
    const url = service.url;
    const blocking = fetch(`${url}/api/cpu?iterations=300000000`);
    // No state to observe while the loop is blocked (nothing answers): give the CPU request a head start.
    await new Promise((r) => setTimeout(r, 50));
    const during = await fetch(`${url}/api/json?items=1`); // handled only once the loop is free: late
    const cpu = (await (await blocking).json()) as { elapsed_ms: number };
    expect(cpu.elapsed_ms, 'the CPU request must block the loop well beyond the limit').toBeGreaterThan(200);
    expect(during.status).toBe(503);
    const problem = (await during.json()) as { detail: string };
    expect(problem.detail).toMatch(/event loop is \d+ ms late/);
    // Served again once the lag samples are back to normal.
    await eventually(async () =>
      (await fetch(`${url}/api/json?items=1`)).status === 200 ? true : undefined,
    );
  });

  it('refuses a limit out of range at start-up, naming the variable', async () => {
    await expect(startTestService({ env: { MAX_IN_FLIGHT: '0' } })).rejects.toThrow(/MAX_IN_FLIGHT/);
  });
});

describe('slow clients (HTTP_HEADERS_TIMEOUT_MS)', () => {
  it('answers a client that trickles its headers with 408 and closes it; others are served meanwhile', async () => {
    service = await startTestService({
      env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', OTEL_SDK_DISABLED: 'true' },
    });
    const { port } = new URL(service.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now())));
    const t0 = performance.now();
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    // A normal client is served while the slow one holds its connection.
    expect((await fetch(`${service.url}/api/json?items=1`)).status).toBe(200);
    const closedAt = await closed;
    clearInterval(trickle);
    expect(received).toMatch(/^HTTP\/1.1 408 Request Timeout/);
    expect(received).toContain('application/problem+json');
    // The limit is 1 s; Node checks every second, so the cut comes within ~2 s, long before the 60 s default.
    expect(closedAt - t0).toBeLessThan(5000);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });

  it('refuses a headers timeout longer than the request timeout', async () => {
    await expect(
      startTestService({ env: { HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '2000' } }),
    ).rejects.toThrow(/HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS/);
  });
});
