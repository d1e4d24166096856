// The production build as a real process: the telemetry preload, OTLP export, start-up validation and
// graceful shutdown. These are the paths `docker run` and the VM's systemd unit take.
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_LAUNCH_ARGS } from '../launch.ts';
import { killStrayApps, spawnApp } from './helpers/app-process.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { eventually, untilInProgress } from './helpers/service.ts';
import { execFile } from 'node:child_process';

afterEach(killStrayApps);

const SERVER = 2;
const CLIENT = 3;

/**
 * A collector that accepts connections and never answers: every export hangs until its timeout, so
 * the bounded queue overflows whatever the machine's speed (with a closed port, exports failed so fast
 * on an idle machine that overflow depended on timing).
 */
async function blackHole(): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('telemetry preload (module load order)', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('exports server, client and child spans and correlated logs over OTLP from the built app', async () => {
    const app = await spawnApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BLRP_SCHEDULE_DELAY: '50',
    });
    const res = await fetch(`${app.url}/api/fanout?calls=1&ms=1`);
    expect(res.status).toBe(200);

    const root = await eventually(() => receiver.spans.find((s) => s.name === 'GET /api/fanout'));
    expect(root.kind).toBe(SERVER);
    expect(root.resource).toMatchObject({
      'service.name': 'cloud-benchmark',
      'deployment.environment.name': 'native',
    });
    const client = await eventually(() =>
      receiver.spans.find((s) => s.kind === CLIENT && s.traceId === root.traceId),
    );
    expect(client.parentSpanId).toBe(root.spanId);
    const child = await eventually(() =>
      receiver.spans.find((s) => s.name === 'GET /api/delay' && s.traceId === root.traceId),
    );
    expect(child.parentSpanId).toBe(client.spanId);

    const log = await eventually(() =>
      receiver.logs.find(
        (l) => l.body === 'request completed' && l.attributes['http.route'] === '/api/fanout',
      ),
    );
    expect(log.traceId).toBe(root.traceId);
    expect(log.spanId).toBe(root.spanId);
    expect(log.severityText).toBe('INFO');
    expect(receiver.requests.every((r) => r.contentType === 'application/json')).toBe(true);

    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, answers 503 on /ready meanwhile, and exits 0', async () => {
    const app = await spawnApp({ OTEL_SDK_DISABLED: 'true', SHUTDOWN_DELAY_MS: '400' });
    const inflight = fetch(`${app.url}/api/delay?ms=1500`);
    await untilInProgress(app.url, 1);
    app.child.kill('SIGTERM');
    await eventually(() => app.lines.find((l) => l.msg === 'shutting down'));
    const ready = await fetch(`${app.url}/ready`);
    expect(ready.status).toBe(503);
    const response = await inflight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ delayed_ms: 1500 });
    expect(await app.exited).toBe(0);
    expect(app.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'requests drained; flushing telemetry']),
    );
  });

  it('closes requests that outlive the drain time and still exits 0', async () => {
    const app = await spawnApp({ OTEL_SDK_DISABLED: 'true', SHUTDOWN_DRAIN_MS: '300' });
    const inflight = fetch(`${app.url}/api/delay?ms=20000`).then(
      () => 'answered',
      () => 'closed',
    );
    await untilInProgress(app.url, 1);
    const t = performance.now();
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(await inflight).toBe('closed');
    expect(app.lines.some((l) => l.msg === 'drain time over: closing remaining connections')).toBe(true);
  });
});

describe('without a working collector', () => {
  it('starts, serves every request and warns once per signal instead of flooding', async () => {
    const collector = await blackHole();
    const app = await spawnApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_BSP_MAX_QUEUE_SIZE: '16',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '8',
      OTEL_BLRP_SCHEDULE_DELAY: '20',
      // The subject is the exporters; on a busy host a burst of 20 can stand long enough for admission
      // control to refuse some of it (as designed, and tested on its own in overload.test.ts).
      MAX_QUEUE_DELAY_MS: '0',
    });
    for (let round = 0; round < 10; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${app.url}/api/json?items=1`).then((r) => r.status)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return /telemetry_export_items_total\{signal="traces",outcome="failure"\} [1-9]/.test(text)
        ? text
        : undefined;
    });
    expect(metrics).toMatch(/otel_sdk_processor_span_queue_capacity\{[^}]*\} 16/);
    // The bounded queue overflowed, and the drops are counted rather than silent.
    expect(metrics).toMatch(
      /otel_sdk_processor_span_processed_total\{[^}]*error_type="queue_full"[^}]*\} [1-9]/,
    );
    const warnings = app.lines.filter((l) => String(l.msg).startsWith('OTLP traces export failing'));
    expect(warnings).toHaveLength(1);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    collector.close();
  });
});

describe('start-up validation', () => {
  it('refuses a bad configuration with a clear message and exit code 1', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(
        process.execPath,
        REPO_LAUNCH_ARGS,
        {
          cwd: resolve(import.meta.dirname, '../..'),
          env: { PATH: process.env.PATH ?? '', PORT: 'eighty', LOG_LEVEL: 'chatty' },
        },
        (error, _stdout, stderrText) =>
          done({ code: error ? (error.code as number) : 0, stderr: stderrText }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toContain('invalid configuration');
    expect(stderr).toMatch(/PORT="eighty"/);
    expect(stderr).toMatch(/LOG_LEVEL="chatty"/);
  });
});
