// Load shedding: new requests are answered at once with 503 and Retry-After instead of queueing, when
//  - `maxInFlight` requests are already in progress, or
//  - the event loop is running late by more than `maxEventLoopDelayMs`: under a CPU overload requests
//    wait in socket buffers where no in-flight count sees them, and the loop's lateness is the one sign.
// Without it an open-model overload grows the queue without bound: every request waits longer (until
// clients time out), memory grows with the queue. A shed request costs microseconds, so the instance keeps
// serving what it can. Probes and /metrics are never shed: an overloaded instance still answers them.
import type { RequestHandler } from 'express';
import { ProblemType, sendProblem, retryLater } from '../problem.ts';

const LAG_SAMPLE_MS = 50;

export interface SheddingLimits {
  readonly maxInFlight: number;
  /** 0 turns the event-loop check off. */
  readonly maxEventLoopDelayMs: number;
}

/** How late a 50 ms timer fires, sampled continuously (unref'd: it never keeps the process alive). */
function eventLoopLag(): () => number {
  let lag = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    lag = Math.max(0, now - last - LAG_SAMPLE_MS);
    last = now;
  }, LAG_SAMPLE_MS).unref();
  return () => Math.max(lag, performance.now() - last - LAG_SAMPLE_MS);
}

export function loadShedding(limits: SheddingLimits, exempt: ReadonlySet<string>): RequestHandler {
  let inFlight = 0;
  const lag = limits.maxEventLoopDelayMs > 0 ? eventLoopLag() : () => 0;
  const shed = (res: Parameters<RequestHandler>[1], detail: string) => {
    const { problem, headers } = retryLater(ProblemType.overloaded, 'Overloaded', detail);
    sendProblem(res, problem, { ...headers });
  };
  return (req, res, next) => {
    if (exempt.has(req.path)) return next();
    if (inFlight >= limits.maxInFlight)
      return shed(
        res,
        `${limits.maxInFlight} requests are in progress, the most this instance accepts (MAX_IN_FLIGHT); retry later`,
      );
    const late = lag();
    if (limits.maxEventLoopDelayMs > 0 && late > limits.maxEventLoopDelayMs)
      return shed(
        res,
        `the event loop is ${Math.round(late)} ms late (more than MAX_EVENT_LOOP_DELAY_MS); retry later`,
      );
    inFlight++;
    res.once('close', () => inFlight--);
    next();
  };
}
