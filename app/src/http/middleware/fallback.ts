// After every route: a known path with the wrong method is 405 (with Allow), anything else 404.
import type { RequestHandler } from 'express';
import { HttpProblem, ProblemType } from '../problem.ts';
import type { RouteDef } from '../routes/route.ts';

export function methodOrNotFound(routes: readonly RouteDef[]): RequestHandler {
  const allowed = new Map<string, Set<string>>();
  for (const r of routes) {
    const methods = allowed.get(r.path) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    if (r.method === 'get') methods.add('HEAD');
    allowed.set(r.path, methods);
  }
  return (req, res) => {
    const methods = allowed.get(req.path);
    if (methods) {
      res.locals.route = req.path; // a known path from the table: a bounded label
      const allow = [...methods].join(', ');
      throw new HttpProblem(
        {
          type: ProblemType.blank,
          title: 'Method Not Allowed',
          status: 405,
          detail: `${req.method} is not allowed on ${req.path}; allowed: ${allow}`,
        },
        { Allow: allow },
      );
    }
    throw new HttpProblem({
      type: ProblemType.blank,
      title: 'Not Found',
      status: 404,
      detail: `no endpoint at ${req.path}`,
    });
  };
}
