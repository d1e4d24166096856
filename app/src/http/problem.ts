// RFC 9457 problem details: the one error shape every 4xx and 5xx answer has.
import type { Response } from 'express';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types of this service; standard HTTP failures use about:blank as RFC 9457 recommends. */
export const ProblemType = {
  invalidParameter: 'urn:cloud-benchmark:problem:invalid-parameter',
  invalidBody: 'urn:cloud-benchmark:problem:invalid-body',
  capacityExhausted: 'urn:cloud-benchmark:problem:capacity-exhausted',
  overloaded: 'urn:cloud-benchmark:problem:overloaded',
  blank: 'about:blank',
} as const;

export interface InvalidParam {
  readonly parameter: string;
  readonly detail: string;
  readonly allowed?: string;
}

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly InvalidParam[];
  readonly trace_id?: string;
}

/** Thrown by handlers and validators; the error handler turns it into the response. */
export class HttpProblem extends Error {
  readonly problem: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;
  constructor(problem: ProblemDetails, headers: Record<string, string> = {}) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
    this.problem = problem;
    this.headers = headers;
  }
}

/** Seconds a client is asked to wait before retrying a 503 (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * A 503 the client can act on: problem+json of one of the service's "try again" types, with
 * `Retry-After`. Used wherever the service refuses work it could do later.
 */
export function retryLater(
  type: typeof ProblemType.overloaded | typeof ProblemType.capacityExhausted | typeof ProblemType.blank,
  title: string,
  detail: string,
): HttpProblem {
  return new HttpProblem(
    { type, title, status: 503, detail },
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );
}

export function invalidParameters(errors: readonly InvalidParam[]): HttpProblem {
  return new HttpProblem({
    type: ProblemType.invalidParameter,
    title: 'Invalid request parameter',
    status: 400,
    detail: errors.map((e) => `${e.parameter}: ${e.detail}`).join('; '),
    errors,
  });
}

export function sendProblem(
  res: Response,
  problem: ProblemDetails,
  headers: Record<string, string> = {},
): void {
  res.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
