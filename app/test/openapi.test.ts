// /openapi.json: a valid OpenAPI 3.1 document (checked by an OpenAPI schema validator), describing
// exactly the routes the service has, with the parameter ranges the service enforces.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers/service.ts';

interface Parameter {
  name: string;
  schema: { type: string; minimum: number; maximum: number; default: number };
}
interface Document {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { parameters?: Parameter[]; responses: Record<string, unknown> }>>;
}

let svc: TestService;
let doc: Document;
beforeAll(async () => {
  svc = await startTestService({ env: { JSON_MAX_ITEMS: '500', OTEL_SDK_DISABLED: 'true' } });
  const res = await fetch(`${svc.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await res.json()) as Document;
});
afterAll(() => svc.stop());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes exactly the service’s routes', () => {
    expect(operations().sort()).toEqual(
      [
        'GET /health',
        'GET /ready',
        'GET /metrics',
        'GET /status',
        'GET /openapi.json',
        'GET /api/cpu',
        'GET /api/memory',
        'GET /api/io',
        'GET /api/delay',
        'GET /api/json',
        'GET /api/fanout',
        'POST /api/echo',
      ].sort(),
    );
  });

  it('answers every documented operation (no 404 or 405), and 404 for what it does not document', async () => {
    for (const op of operations()) {
      const [method, path] = op.split(' ') as [string, string];
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      await res.arrayBuffer();
      expect([404, 405], op).not.toContain(res.status);
    }
    expect((await fetch(`${svc.url}/api/nothing`)).status).toBe(404);
  });

  it('gives each parameter the range the service enforces (the configured bound included)', async () => {
    const items = doc.paths['/api/json']!.get!.parameters!.find((p) => p.name === 'items')!;
    expect(items.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 10 });
    expect((await fetch(`${svc.url}/api/json?items=${items.schema.maximum}`)).status).toBe(200);
    expect((await fetch(`${svc.url}/api/json?items=${items.schema.maximum + 1}`)).status).toBe(400);
    expect((await fetch(`${svc.url}/api/json?items=${items.schema.minimum - 1}`)).status).toBe(400);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const op of Object.values(ops))
        for (const p of op.parameters ?? []) {
          expect(p.schema.type, `${path} ${p.name}`).toBe('integer');
          expect(p.schema.minimum, `${path} ${p.name}`).toBeLessThanOrEqual(p.schema.default);
          expect(p.schema.default, `${path} ${p.name}`).toBeLessThanOrEqual(p.schema.maximum);
        }
  });

  it('documents the 400 of every operation with parameters and the 503 of every shed one', () => {
    expect(Object.keys(doc.paths['/api/cpu']!.get!.responses).sort()).toEqual(['200', '400', '503']);
    expect(Object.keys(doc.paths['/health']!.get!.responses)).toEqual(['200']);
  });
});
