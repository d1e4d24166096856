// EXIT_WHEN_READY: the start that fills the image's V8 code cache. As a real process (the built app,
// the launch's own flags): it answers its own routes, stops as on SIGTERM, exits 0 and leaves the cache
// filled; against a server that refuses, the self-check reports it (the build then fails).
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_LAUNCH_ARGS } from '../launch.ts';
import { answerOwnRoutes, OWN_ROUTES } from '../src/lifecycle/exit-when-ready.ts';
import { createLogger } from '../src/logging/logger.ts';

const repo = resolve(import.meta.dirname, '../..');

function runOnce(
  env: Record<string, string>,
): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      REPO_LAUNCH_ARGS,
      {
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
        timeout: 60_000,
      },
      (error, stdout) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          lines: stdout
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        }),
    );
  });
}

describe('EXIT_WHEN_READY', () => {
  it('answers its own routes, shuts down as on SIGTERM, exits 0 and leaves the V8 code cache filled', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cb-code-cache-'));
    const { code, lines } = await runOnce({
      EXIT_WHEN_READY: 'true',
      APP_ENVIRONMENT: 'native',
      OTEL_SDK_DISABLED: 'true',
      NODE_COMPILE_CACHE: cache,
    });
    expect(code).toBe(0);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toEqual(
      expect.arrayContaining(['ready', 'shutting down', 'requests drained; flushing telemetry']),
    );
    expect(lines.find((l) => l.msg === 'shutting down')?.reason).toBe('EXIT_WHEN_READY');
    // The probes are not access-logged; the mix's lightest route is, answered 200.
    expect(
      lines
        .filter((l) => l.msg === 'request completed')
        .map((l) => [l['url.path'], l['http.response.status_code']]),
    ).toEqual([['/api/json', 200]]);
    // Node writes the cache under a directory named for its version and the user id: one, with entries.
    const [dir, ...more] = readdirSync(cache);
    expect(more).toEqual([]);
    expect(dir).toMatch(new RegExp(`^v${process.versions.node}-.*-${process.getuid?.() ?? ''}$`));
    expect(readdirSync(join(cache, dir!)).length).toBeGreaterThan(0);
  });

  it('reports a route that does not answer 200, naming it', async () => {
    const refusing = createServer((req, res) => res.writeHead(req.url === '/health' ? 503 : 200).end());
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const { port } = refusing.address() as { port: number };
    const logged: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      base: {},
      destination: { write: (l: string) => void logged.push(JSON.parse(l) as Record<string, unknown>) },
    });
    try {
      expect(await answerOwnRoutes(`http://127.0.0.1:${port}`, logger)).toBe(false);
    } finally {
      refusing.close();
    }
    expect(logged.map((l) => [l.route, l.status, l.msg])).toEqual([
      ['/health', 503, 'EXIT_WHEN_READY: a route did not answer 200'],
    ]);
    expect(OWN_ROUTES).toContain('/health');
  });
});
