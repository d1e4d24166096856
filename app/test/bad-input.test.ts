// Every class of bad request gets the right 4xx as RFC 9457 problem+json, and the process stays up.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService, untilInProgress } from './helpers/service.ts';

const ECHO_MAX_BYTES = 1024;
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { ECHO_MAX_BYTES: String(ECHO_MAX_BYTES) } });
});
afterAll(() => svc.stop());

interface Case {
  readonly name: string;
  readonly path: string;
  readonly status: number;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** For 400s on parameters: the parameter the problem must name. */
  readonly parameter?: string;
  /** For 405s: the Allow header. */
  readonly allow?: string;
}

const json = { 'content-type': 'application/json' };
const cases: Case[] = [
  { name: 'non-numeric integer', path: '/api/cpu?iterations=abc', status: 400, parameter: 'iterations' },
  { name: 'zero below minimum', path: '/api/cpu?iterations=0', status: 400, parameter: 'iterations' },
  { name: 'negative number', path: '/api/cpu?iterations=-5', status: 400, parameter: 'iterations' },
  { name: 'fraction', path: '/api/cpu?iterations=1.5', status: 400, parameter: 'iterations' },
  { name: 'exponent notation', path: '/api/cpu?iterations=1e3', status: 400, parameter: 'iterations' },
  { name: 'NaN', path: '/api/cpu?iterations=NaN', status: 400, parameter: 'iterations' },
  { name: 'Infinity', path: '/api/cpu?iterations=Infinity', status: 400, parameter: 'iterations' },
  {
    name: 'huge number',
    path: '/api/cpu?iterations=99999999999999999999',
    status: 400,
    parameter: 'iterations',
  },
  { name: 'empty value', path: '/api/cpu?iterations=', status: 400, parameter: 'iterations' },
  {
    name: 'repeated parameter',
    path: '/api/cpu?iterations=1&iterations=2',
    status: 400,
    parameter: 'iterations',
  },
  { name: 'array syntax', path: '/api/cpu?iterations[]=1', status: 400, parameter: 'iterations[]' },
  { name: 'unknown parameter', path: '/api/cpu?bogus=1', status: 400, parameter: 'bogus' },
  { name: 'memory size zero', path: '/api/memory?mb=0', status: 400, parameter: 'mb' },
  { name: 'memory size above bound', path: '/api/memory?mb=100000', status: 400, parameter: 'mb' },
  { name: 'negative hold', path: '/api/memory?holdMs=-1', status: 400, parameter: 'holdMs' },
  { name: 'hold above bound', path: '/api/memory?holdMs=999999999', status: 400, parameter: 'holdMs' },
  { name: 'io size zero', path: '/api/io?kb=0', status: 400, parameter: 'kb' },
  { name: 'io size text', path: '/api/io?kb=lots', status: 400, parameter: 'kb' },
  { name: 'io size above bound', path: '/api/io?kb=999999999', status: 400, parameter: 'kb' },
  { name: 'negative delay', path: '/api/delay?ms=-1', status: 400, parameter: 'ms' },
  { name: 'delay above bound', path: '/api/delay?ms=9999999', status: 400, parameter: 'ms' },
  { name: 'hex number', path: '/api/delay?ms=0x10', status: 400, parameter: 'ms' },
  { name: 'zero items', path: '/api/json?items=0', status: 400, parameter: 'items' },
  { name: 'items above bound', path: '/api/json?items=10001', status: 400, parameter: 'items' },
  { name: 'NUL byte', path: '/api/json?items=%00', status: 400, parameter: 'items' },
  { name: 'broken percent-encoding', path: '/api/json?items=%E0%A4%A', status: 400, parameter: 'items' },
  { name: 'invalid UTF-8 in query', path: '/api/json?items=%FF%FE', status: 400, parameter: 'items' },
  { name: 'fan-out above bound', path: '/api/fanout?calls=11', status: 400, parameter: 'calls' },
  { name: 'fan-out negative delay', path: '/api/fanout?calls=1&ms=-3', status: 400, parameter: 'ms' },
  { name: 'unknown route', path: '/api/nope', status: 404 },
  { name: 'sub-path of a route', path: '/api/json/extra', status: 404 },
  { name: 'invalid UTF-8 in path', path: '/%FF%FE', status: 404 },
  { name: 'DELETE on a GET route', path: '/api/json', method: 'DELETE', status: 405, allow: 'GET, HEAD' },
  { name: 'POST on a probe', path: '/health', method: 'POST', status: 405, allow: 'GET, HEAD' },
  { name: 'PUT on the echo route', path: '/api/echo', method: 'PUT', status: 405, allow: 'POST' },
  { name: 'GET on the echo route', path: '/api/echo', status: 405, allow: 'POST' },
  { name: 'malformed JSON', path: '/api/echo', method: 'POST', headers: json, body: '{"a":', status: 400 },
  {
    name: 'invalid UTF-8 JSON',
    path: '/api/echo',
    method: 'POST',
    headers: json,
    body: new Uint8Array([0x7b, 0xff, 0x7d]),
    status: 400,
  },
  {
    // Well-formed JSON around a byte that is not UTF-8: not quietly replaced by U+FFFD.
    name: 'valid JSON with invalid UTF-8 in a string',
    path: '/api/echo',
    method: 'POST',
    headers: json,
    body: new Uint8Array([...Buffer.from('{"a":"'), 0xc3, 0x28, ...Buffer.from('"}')]),
    status: 400,
  },
  {
    name: 'body too large',
    path: '/api/echo',
    method: 'POST',
    headers: json,
    body: JSON.stringify({ s: 'x'.repeat(ECHO_MAX_BYTES) }),
    status: 413,
  },
  {
    name: 'text/plain body',
    path: '/api/echo',
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'hi',
    status: 415,
  },
  {
    name: 'no content type',
    path: '/api/echo',
    method: 'POST',
    body: new Uint8Array([1, 2, 3]),
    status: 415,
  },
  {
    name: 'form body',
    path: '/api/echo',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1',
    status: 415,
  },
  { name: 'empty JSON body', path: '/api/echo', method: 'POST', headers: json, body: '', status: 400 },
  {
    name: 'unknown content encoding',
    path: '/api/echo',
    method: 'POST',
    headers: { ...json, 'content-encoding': 'bogus' },
    body: '{}',
    status: 415,
  },
  {
    name: 'unsupported charset',
    path: '/api/echo',
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=klingon' },
    body: '{}',
    status: 415,
  },
  {
    name: 'query on echo',
    path: '/api/echo?x=1',
    method: 'POST',
    headers: json,
    body: '{}',
    status: 400,
    parameter: 'x',
  },
];

describe('bad input', () => {
  it('covers at least 30 distinct bad requests', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $status problem+json', async (c) => {
    const res = await fetch(`${svc.url}${c.path}`, {
      method: c.method ?? 'GET',
      ...(c.headers ? { headers: c.headers } : {}),
      ...(c.body !== undefined ? { body: c.body } : {}),
    });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem.status).toBe(c.status);
    expect(typeof problem.title).toBe('string');
    expect(typeof problem.type).toBe('string');
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.(ts|js|mjs):\d+/); // no stack traces
    if (c.parameter) {
      const errors = problem.errors as { parameter: string; allowed?: string }[];
      expect(errors.map((e) => e.parameter)).toContain(c.parameter);
      const named = errors.find((e) => e.parameter === c.parameter)!;
      expect(named.allowed, 'the allowed range or names').toBeTruthy();
    }
    if (c.allow) expect(res.headers.get('allow')).toBe(c.allow);
  });

  it('answers a request line the HTTP parser rejects with problem+json', async () => {
    const reply = await rawRequest('GARBAGE\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(reply).toContain('Content-Type: application/problem+json');
  });

  it('answers oversized headers with 431 problem+json', async () => {
    const reply = await rawRequest(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(reply).toContain('application/problem+json');
  });

  it('refuses memory beyond the shared budget with 503 + Retry-After, then recovers', async () => {
    const small = await startTestService({ env: { MEMORY_BUDGET_MB: '4', MEMORY_MAX_MB: '4' } });
    try {
      const holding = fetch(`${small.url}/api/memory?mb=4&holdMs=2000`);
      await untilInProgress(small.url, 1);
      const refused = await fetch(`${small.url}/api/memory?mb=1&holdMs=0`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ type: 'urn:cloud-benchmark:problem:capacity-exhausted' });
      expect((await holding).status).toBe(200);
      expect((await fetch(`${small.url}/api/memory?mb=1&holdMs=0`)).status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it('names the UTF-8 problem (RFC 8259 §8.1) of a JSON body with invalid UTF-8', async () => {
    const res = await fetch(`${svc.url}/api/echo`, {
      method: 'POST',
      headers: json,
      body: new Uint8Array([...Buffer.from('{"a":"'), 0xff, ...Buffer.from('"}')]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: 'urn:cloud-benchmark:problem:invalid-body',
      detail: 'the body is not valid UTF-8, which JSON requires (RFC 8259 §8.1)',
    });
    const ok = await fetch(`${svc.url}/api/echo`, { method: 'POST', headers: json, body: '{"a":"é ✓"}' });
    expect(await ok.json()).toMatchObject({ received: { a: 'é ✓' } });
  });

  it('is still alive and healthy afterwards', async () => {
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
  });
});

function rawRequest(text: string): Promise<string> {
  const url = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', (error) => (data ? resolve(data) : reject(error)));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}
