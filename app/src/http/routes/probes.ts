// Liveness, readiness and the Prometheus scrape endpoint.
import type { AppContext } from '../context.ts';
import { ProblemType, retryLater } from '../problem.ts';
import type { RouteDef } from './route.ts';

/**
 * Content negotiation as Prometheus' own client libraries do it: OpenMetrics (the format that carries
 * exemplars) only for a client that names it in Accept with a weight above zero and at least that of
 * text/plain; everyone else (no Accept, *\/*, text/plain) gets the Prometheus text format 0.0.4, which
 * text-format parsers can read.
 */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  const weights = new Map<string, number>();
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isFinite(weight)) weights.set(type, Math.max(weights.get(type) ?? 0, weight));
  }
  const openMetrics = weights.get('application/openmetrics-text') ?? 0;
  return openMetrics > 0 && openMetrics >= (weights.get('text/plain') ?? 0);
}

export function probeRoutes(ctx: AppContext): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/health',
      summary: 'Liveness: no dependencies, always fast',
      observed: false,
      handlers: [(_req, res) => void res.json({ status: 'ok' })],
    },
    {
      method: 'get',
      path: '/ready',
      summary: 'Readiness: 503 while starting and while shutting down',
      observed: false,
      handlers: [
        (_req, res) => {
          if (!ctx.readiness.isReady) {
            throw retryLater(ProblemType.blank, 'Service Unavailable', `phase: ${ctx.readiness.phase}`);
          }
          res.json({ status: 'ready' });
        },
      ],
    },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics: OpenMetrics with exemplars when asked for, else the text format 0.0.4',
      observed: false,
      handlers: [
        async (req, res) => {
          res.vary('Accept');
          if (!acceptsOpenMetrics(req.headers.accept)) {
            const { contentType, body } = await ctx.metrics.textFormat();
            res.type(contentType).send(body);
            return;
          }
          const body = await ctx.metrics.registry.metrics();
          res.type(ctx.metrics.registry.contentType).send(body);
        },
      ],
    },
  ];
}
