// The Express application: telemetry first, then the route table, then 405/404, then the error handler.
import type { RequestListener } from 'node:http';
import express from 'express';
import { admission } from './admission.ts';
import type { AppContext } from './context.ts';
import { buildOpenApi } from './openapi.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { methodOrNotFound } from './middleware/fallback.ts';
import { methodLabel, requestTelemetry, UNMATCHED_ROUTE } from './middleware/request-telemetry.ts';
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

/** The service's request listener: admission control in front of the Express application. */
export function createApp(ctx: AppContext): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // dynamic benchmark responses: hashing every body would be measured work
  app.set('query parser', 'simple');

  const routes = buildRouteTable(ctx);
  const unobserved = new Set(routes.filter((r) => !r.observed).map((r) => r.path));
  app.use(
    requestTelemetry({
      metrics: ctx.metrics,
      logger: ctx.logger,
      accessLog: ctx.accessLog,
      exemplars: ctx.config.metrics.exemplars,
      unobserved,
    }),
  );
  for (const route of routes) app[route.method](route.path, ...route.handlers);
  app.use(methodOrNotFound(routes));
  app.use(errorHandler(ctx.logger));

  // Every route is a literal path, so a refused request gets the route label it would have had.
  const templates = new Set(routes.filter((r) => r.observed).map((r) => r.path));
  const gate = admission({
    limits: ctx.config.http,
    exempt: unobserved,
    partOfAdmitted: (req) => req.headers[ctx.selfCallHeader.name] === ctx.selfCallHeader.value,
    logger: ctx.logger,
    onShed: (req, path, reason, waitedMs) =>
      ctx.metrics.requestShed(
        { method: methodLabel(req.method), route: templates.has(path) ? path : UNMATCHED_ROUTE },
        reason,
        waitedMs / 1000,
      ),
  });
  return (req, res) => {
    if (gate.admit(req, res)) void app(req, res);
  };
}
