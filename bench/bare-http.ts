// The floor of the overhead benchmark: a minimal node:http server doing the same work as the app's
// workload routes (the same workload functions, the default parameters), and nothing else: no
// framework, no validation beyond parsing numbers, no telemetry, no logging, no metrics.
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { burnCpu } from '../app/src/workloads/cpu.ts';
import { writeSyncReadDelete } from '../app/src/workloads/file-io.ts';
import { buildItems } from '../app/src/workloads/json-payload.ts';
import { holdMemory } from '../app/src/workloads/memory.ts';

const port = Number(process.env.PORT ?? 0);
const self = `http://127.0.0.1:${port}`;
const num = (q: URLSearchParams, name: string, fallback: number) => Number(q.get(name) ?? fallback);

const routes: Record<string, (q: URLSearchParams, body: string) => unknown> = {
  '/api/json': (q) => {
    const items = num(q, 'items', 10);
    return { count: items, items: buildItems(items) };
  },
  '/api/cpu': (q) => ({ checksum: burnCpu(num(q, 'iterations', 100_000)) }),
  '/api/delay': async (q) => {
    await sleep(num(q, 'ms', 50));
    return { ok: true };
  },
  '/api/io': async (q) => writeSyncReadDelete(tmpdir(), num(q, 'kb', 64)),
  '/api/memory': async (q) => holdMemory(num(q, 'mb', 8), num(q, 'holdMs', 100)),
  '/api/fanout': async (q) => {
    const calls = num(q, 'calls', 2);
    const ms = num(q, 'ms', 10);
    const statuses = await Promise.all(
      Array.from({ length: calls }, async () => (await fetch(`${self}/api/delay?ms=${ms}`)).status),
    );
    return { statuses };
  },
  '/api/echo': (_q, body) => ({ echo: JSON.parse(body) as unknown }),
  '/ready': () => ({ status: 'ready' }),
  '/health': () => ({ status: 'ok' }),
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', self);
  const handler = routes[url.pathname];
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      try {
        if (!handler) throw Object.assign(new Error('not found'), { status: 404 });
        const body = JSON.stringify(await handler(url.searchParams, Buffer.concat(chunks).toString()));
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      } catch (error) {
        res.writeHead((error as { status?: number }).status ?? 400).end();
      }
    })();
  });
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
