// Property-based hostile input (fast-check): arbitrary values for every parameter of every workload
// route, arbitrary bodies and content types for POST /api/echo. Whatever arrives, the answer is a 2xx
// for a valid request or a 4xx problem+json, never a 5xx, within a deadline; the process stays healthy
// and its memory bounded. Workload limits are set small so every valid request is cheap.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers/service.ts';

const LIMITS = {
  CPU_MAX_ITERATIONS: '1000',
  MEMORY_MAX_MB: '1',
  MEMORY_MAX_HOLD_MS: '5',
  IO_MAX_KB: '4',
  DELAY_MAX_MS: '5',
  JSON_MAX_ITEMS: '10',
  ECHO_MAX_BYTES: '2048',
};
const DEADLINE_MS = 5000;
/** Each route and its parameters (the names the routes accept). */
const ROUTES: Record<string, string[]> = {
  '/api/cpu': ['iterations'],
  '/api/memory': ['mb', 'holdMs'],
  '/api/io': ['kb'],
  '/api/delay': ['ms'],
  '/api/json': ['items'],
  '/api/fanout': ['calls', 'ms'],
};

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: LIMITS });
});
afterAll(() => svc.stop());

/** Values a parameter may receive: numbers of every kind, number-like text, and any string at all. */
const hostileValue = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e3', '0x10', ' 7 ', '', '-0', '00001', '٣', '１'),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

async function expectClientOrSuccess(res: Response, what: string): Promise<void> {
  const body = await res.text();
  expect(res.status, `${what} → ${res.status} ${body.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(body) as { status: number; title: string };
    expect(problem.status, what).toBe(res.status);
    expect(problem.title, what).toBeTruthy();
  }
}

describe('hostile input, property-based', () => {
  it('answers any query on any workload route with 2xx or 4xx problem+json, never 5xx', async () => {
    const query = fc.record({
      route: fc.constantFrom(...Object.keys(ROUTES)),
      // Known parameters with hostile values, unknown names, and repeated parameters.
      params: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...Object.values(ROUTES).flat()), fc.string({ maxLength: 12 })),
          hostileValue,
        ),
        { maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(query, async ({ route, params }) => {
        const search = new URLSearchParams(params).toString();
        const path = `${route}${search ? `?${search}` : ''}`;
        const res = await fetch(`${svc.url}${path}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
        await expectClientOrSuccess(res, `GET ${path}`);
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  it('answers any body with any content type on POST /api/echo with 2xx or 4xx, never 5xx', async () => {
    const request = fc.record({
      body: fc.oneof(
        fc.uint8Array({ maxLength: 4096 }),
        fc.json({ maxDepth: 4 }).map((j) => new TextEncoder().encode(j)),
        fc.string({ unit: 'grapheme', maxLength: 3000 }).map((s) => new TextEncoder().encode(s)),
      ),
      contentType: fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/json; charset=latin1',
          'text/plain',
          'application/octet-stream',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          '',
        ),
        fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      ),
      encoding: fc.constantFrom(undefined, 'gzip', 'br', 'identity', 'compress'),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ body, contentType, encoding }) => {
        const headers: Record<string, string> = {};
        if (contentType) headers['content-type'] = contentType;
        if (encoding) headers['content-encoding'] = encoding;
        const res = await fetch(`${svc.url}/api/echo`, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(DEADLINE_MS),
        });
        await expectClientOrSuccess(
          res,
          `POST /api/echo ${contentType} ${encoding ?? ''} (${body.length} bytes)`,
        );
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('is healthy afterwards, with its memory bounded', async () => {
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
    // The service shares this test process; what it kept is bounded by what the runs could allocate.
    expect(process.memoryUsage().rss).toBeLessThan(512 * 1024 * 1024);
  });
});
