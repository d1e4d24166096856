import type { RequestHandler } from 'express';

/** One endpoint. The table of them drives routing, 405 answers and which paths are traced. */
export interface RouteDef {
  readonly method: 'get' | 'post';
  readonly path: string;
  /** Probes and /metrics are neither traced, logged nor counted: they would drown the signal. */
  readonly observed: boolean;
  readonly handlers: readonly RequestHandler[];
}
