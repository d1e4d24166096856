// HTTP_ACCEPT_SOCKETS: the service listens on several sockets of one port (SO_REUSEPORT), because libuv
// accepts one connection per listening socket per event-loop turn. Checked here on the real sockets
// (the kernel's own table of listeners, /proc/net/tcp): how many there are, that every connection the
// kernel hands to any of them is served, that a port in use is still refused, and that stop leaves none.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService, untilInProgress } from './helpers/service.ts';

let services: TestService[] = [];
let blocker: Server | undefined;
afterEach(async () => {
  await Promise.all(services.map((s) => s.stop()));
  services = [];
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

/** Sockets in LISTEN state on 127.0.0.1:port, from the kernel's table. */
function listeners(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, address, , state]) => address === local && state === '0A').length;
}

const portOf = (url: string) => Number(new URL(url).port);

async function start(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ env: { OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn', ...env } });
  services.push(service);
  return service;
}

describe.skipIf(process.platform !== 'linux')('listening sockets (HTTP_ACCEPT_SOCKETS)', () => {
  it('listens on that many sockets of one port and serves connections arriving on any of them', async () => {
    // The 64 requests arrive at once in this one process: the queue-delay rule is not this test's subject.
    const service = await start({ HTTP_ACCEPT_SOCKETS: '8', MAX_QUEUE_DELAY_MS: '0' });
    expect(listeners(portOf(service.url))).toBe(8);
    // A new connection each (agent-less fetches would pool): the kernel spreads them by address hash.
    const answers = await Promise.all(
      Array.from({ length: 64 }, () =>
        fetch(`${service.url}/api/json?items=1`, { headers: { connection: 'close' } }).then((r) => r.status),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 64 }, () => 200));
  });

  it('listens on one socket when told to', async () => {
    const service = await start({ HTTP_ACCEPT_SOCKETS: '1' });
    expect(listeners(portOf(service.url))).toBe(1);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });

  it('stops every socket on close: the port refuses connections afterwards', async () => {
    const service = await start({ HTTP_ACCEPT_SOCKETS: '4' });
    const port = portOf(service.url);
    await service.stop();
    services = [];
    expect(listeners(port)).toBe(0);
    await expect(fetch(`${service.url}/health`)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it("close's callback waits for the requests in progress on every socket", async () => {
    const service = await start({ HTTP_ACCEPT_SOCKETS: '4' });
    // The server's own record of each answer's end: the client's promises may settle after the close.
    const order: string[] = [];
    service.server.on('request', (_req, res: ServerResponse) =>
      res.once('finish', () => order.push(`answered ${res.statusCode}`)),
    );
    // Eight new connections over four sockets: that none lands on the three added ones is a 1-in-65 536 chance.
    const requests = Array.from({ length: 8 }, () =>
      fetch(`${service.url}/api/delay?ms=300`, { headers: { connection: 'close' } }).then((r) => r.status),
    );
    await untilInProgress(service.url, 8);
    order.length = 0; // the /metrics answers of untilInProgress
    await new Promise<void>((resolve) =>
      service.server.close(() => {
        order.push('closed');
        resolve();
      }),
    );
    services = [];
    expect(await Promise.all(requests)).toEqual(Array.from({ length: 8 }, () => 200));
    expect(order).toEqual([...Array.from({ length: 8 }, () => 'answered 200'), 'closed']);
  });

  it('refuses a port another copy of the service holds (SO_REUSEPORT shares nothing it was not asked to)', async () => {
    const first = await start({});
    await expect(start({ PORT: String(portOf(first.url)) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(listeners(portOf(first.url))).toBe(32);
  });

  it('refuses a port another program listens on', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await expect(start({ PORT: String(port) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(listeners(port)).toBe(1);
  });
});
