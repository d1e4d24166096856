// Free TCP ports on 127.0.0.1, found by binding port 0: tests and benchmarks never take fixed ports, so
// they neither collide with a user's own stack nor with each other.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** One free port (the listener is closed again before the port is handed out). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * `n` distinct free ports, synchronously (for values a module defines when it is loaded): a child Node
 * holds all `n` listeners at once, so no port is handed out twice.
 */
export function freePortsSync(n: number): number[] {
  const script = `
    const net = require('node:net');
    const servers = Array.from({ length: ${n} }, () => net.createServer());
    let listening = 0;
    for (const s of servers)
      s.listen(0, '127.0.0.1', () => {
        if (++listening < servers.length) return;
        console.log(servers.map((x) => x.address().port).join(' '));
        for (const x of servers) x.close();
      });`;
  const ports = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 })
    .trim()
    .split(' ')
    .map(Number);
  if (ports.length !== n || ports.some((p) => !Number.isInteger(p) || p <= 0))
    throw new Error(`could not find ${n} free ports: got "${ports.join(' ')}"`);
  return ports;
}

/**
 * Throws when something already listens on 127.0.0.1:`port`: a copy started there would fail to bind,
 * and its health check would be answered by the other program (a copy left over from an earlier run).
 */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(port, '127.0.0.1', () => server.close(() => resolve()));
    server.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${what}: 127.0.0.1:${port} is already in use (${error.code ?? error.message}); stop what listens there or choose another port`,
        ),
      ),
    );
  });
}
