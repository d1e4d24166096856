import type { RequestHandler } from 'express';
import type { Spec } from '../params.ts';

/** One endpoint. The table of them drives routing, 405 answers and which paths are traced. */
export interface RouteDef {
  readonly method: 'get' | 'post';
  readonly path: string;
  /** Probes and /metrics are neither traced, logged nor counted: they would drown the signal. */
  readonly observed: boolean;
  /** One line for the OpenAPI document (/openapi.json). */
  readonly summary: string;
  /** The query parameters the handler validates; absent: it reads none. */
  readonly query?: Spec;
  /** Takes a JSON request body. */
  readonly jsonBody?: boolean;
  readonly handlers: readonly RequestHandler[];
}
