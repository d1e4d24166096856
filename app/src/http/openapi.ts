// The service's OpenAPI 3.1 document, derived from the route table and the parameters' zod schemas (the
// ones that validate requests), so it cannot drift from what the service does. Served at /openapi.json.
import { z } from 'zod';
import { SERVICE_VERSION } from '../config/version.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';
import type { RouteDef } from './routes/route.ts';

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM } },
});

/** A parameter's JSON Schema, without the draft marker zod adds (OpenAPI 3.1 schemas are 2020-12). */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function operation(route: RouteDef): Record<string, unknown> {
  const parameters = Object.entries(route.query ?? {}).map(([name, p]) => ({
    name,
    in: 'query',
    required: false,
    description: p.description,
    schema: schemaOf(p.schema),
  }));
  const responses: Record<string, unknown> = {
    '200': {
      description: 'OK',
      content:
        route.path === '/metrics'
          ? { 'application/openmetrics-text': {}, 'text/plain': {} }
          : { 'application/json': { schema: { type: 'object' } } },
    },
  };
  if (route.query)
    responses['400'] = problem('a parameter is unknown, repeated, not an integer or out of range');
  if (route.jsonBody) {
    responses['413'] = problem('the body is larger than ECHO_MAX_BYTES');
    responses['415'] = problem('the body is not application/json');
  }
  if (route.observed || route.path === '/ready')
    responses['503'] = problem('overloaded, out of capacity or not ready: retry after Retry-After seconds');
  return {
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/\W+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    ...(parameters.length ? { parameters } : {}),
    ...(route.jsonBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: {} } } } }
      : {}),
    responses,
  };
}

export function buildOpenApi(routes: readonly RouteDef[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'cloud-benchmark',
      version: SERVICE_VERSION,
      description:
        'The benchmark service: workloads that stress CPU, memory, file I/O, latency, serialisation and outbound calls, with probes, status and metrics. Every error is RFC 9457 problem+json.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths,
    components: {
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            trace_id: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['parameter', 'detail'],
                properties: {
                  parameter: { type: 'string' },
                  detail: { type: 'string' },
                  allowed: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}
