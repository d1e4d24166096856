// Liveness, readiness and the Prometheus scrape endpoint.
import type { AppContext } from '../context.ts';
import { HttpProblem, ProblemType } from '../problem.ts';
import type { RouteDef } from './route.ts';

export function probeRoutes(ctx: AppContext): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/health',
      observed: false,
      handlers: [(_req, res) => void res.json({ status: 'ok' })],
    },
    {
      method: 'get',
      path: '/ready',
      observed: false,
      handlers: [
        (_req, res) => {
          if (!ctx.readiness.isReady) {
            throw new HttpProblem(
              {
                type: ProblemType.blank,
                title: 'Service Unavailable',
                status: 503,
                detail: `phase: ${ctx.readiness.phase}`,
              },
              { 'Retry-After': '1' },
            );
          }
          res.json({ status: 'ready' });
        },
      ],
    },
    {
      method: 'get',
      path: '/metrics',
      observed: false,
      handlers: [
        async (_req, res) => {
          const body = await ctx.metrics.registry.metrics();
          res.type(ctx.metrics.registry.contentType).send(body);
        },
      ],
    },
  ];
}
