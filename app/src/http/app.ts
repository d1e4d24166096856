// The Express application: telemetry first, then the route table, then 405/404, then the error handler.
import express, { type Express } from 'express';
import type { AppContext } from './context.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { methodOrNotFound } from './middleware/fallback.ts';
import { loadShedding } from './middleware/load-shedding.ts';
import { requestTelemetry } from './middleware/request-telemetry.ts';
import { probeRoutes } from './routes/probes.ts';
import type { RouteDef } from './routes/route.ts';
import { statusRoutes } from './routes/status.ts';
import { workloadRoutes } from './routes/workloads.ts';

export function buildRouteTable(ctx: AppContext): RouteDef[] {
  return [...probeRoutes(ctx), ...statusRoutes(ctx), ...workloadRoutes(ctx)];
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
