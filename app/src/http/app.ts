// The Express application: telemetry first, then the route table, then 405/404, then the error handler.
import express, { type Express } from 'express';
import type { AppContext } from './context.ts';
import { buildOpenApi } from './openapi.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { methodOrNotFound } from './middleware/fallback.ts';
import { loadShedding } from './middleware/load-shedding.ts';
import { requestTelemetry } from './middleware/request-telemetry.ts';
import { probeRoutes } from './routes/probes.ts';
import type { RouteDef } from './routes/route.ts';
import { statusRoutes } from './routes/status.ts';
import { workloadRoutes } from './routes/workloads.ts';

export function buildRouteTable(ctx: AppContext): RouteDef[] {
  const routes = [...probeRoutes(ctx), ...statusRoutes(ctx), ...workloadRoutes(ctx)];
  // The API description is a route too, and describes itself with the others.
  let document: string | undefined;
  const openapi: RouteDef = {
    method: 'get',
    path: '/openapi.json',
    observed: false,
    summary: 'This OpenAPI 3.1 document',
    handlers: [
      (_req, res) => void res.type('application/json').send((document ??= JSON.stringify(buildOpenApi(all)))),
    ],
  };
  const all = [...routes, openapi];
  return all;
}

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // dynamic benchmark responses: hashing every body would be measured work
  app.set('query parser', 'simple');

  const routes = buildRouteTable(ctx);
  app.use(
    requestTelemetry({
      metrics: ctx.metrics,
      logger: ctx.logger,
      exemplars: ctx.config.metrics.exemplars,
      unobserved: new Set(routes.filter((r) => !r.observed).map((r) => r.path)),
    }),
  );
  // After telemetry, so shed requests are counted (status 503) like any other.
  const probes = new Set(routes.filter((r) => !r.observed).map((r) => r.path));
  app.use(loadShedding(ctx.config.http, probes));
  for (const route of routes) app[route.method](route.path, ...route.handlers);
  app.use(methodOrNotFound(routes));
  app.use(errorHandler(ctx.logger));
  return app;
}
