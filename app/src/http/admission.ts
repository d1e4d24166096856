// Admission control: under overload a request is answered at once with 503 + Retry-After instead of
// waiting in a queue until the client gives up. A client can act on a fast 503; a timeout looks like a
// dead service. It runs before Express and before the request's span, so refusing costs a few
// microseconds and the instance keeps its capacity for the requests it admits.
//
// Where the queue is: Node reads every socket that has data in one event-loop turn and runs their
// handlers one after another. Under a CPU overload the waiting happens there (and in socket buffers,
// where no counter sees it), not in "requests in progress". So the signal is how long this request can
// have been queued (TurnClock): the whole previous turn when the loop has been busy ever since, plus
// the work done before it in this turn. Once the queue has stood above `maxQueueDelayMs` for
// `queueDelayIntervalMs` (CoDel), a request that waited longer is refused, until the queue has stayed
// below the target as long or drained; that keeps turns short, so refusals are fast. The first request
// of a turn is never refused on this ground, however slow the host is: a lone request is always served.
//
// Requests that hold no CPU while they wait (timers, the thread pool) are bounded by `maxInFlight`.
// Probes and /metrics are never refused: an overloaded instance still answers them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.ts';
import { PROBLEM_CONTENT_TYPE, ProblemType, retryLater } from './problem.ts';

export interface AdmissionLimits {
  readonly maxInFlight: number;
  /** 0 turns the queue-delay rule off. */
  readonly maxQueueDelayMs: number;
  /** How long the queue must have stayed above maxQueueDelayMs before requests are refused for it. */
  readonly queueDelayIntervalMs: number;
}

export type ShedReason = 'in_flight' | 'queue_delay';

/** What the clock needs from the runtime; the real one reads performance and the event loop. */
export interface LoopProbe {
  now(): number;
  /** Cumulative ms the event loop has spent waiting for I/O (blocked in the poll with nothing to do). */
  idleMs(): number;
  /** Runs `end` after the current turn's I/O callbacks (the check phase). */
  atTurnEnd(end: () => void): void;
}

const realLoop: LoopProbe = {
  now: () => performance.now(),
  idleMs: () => performance.eventLoopUtilization().idle,
  atTurnEnd: (end) => void setImmediate(end),
};

/**
 * How long requests can have been queued, as far as the process can tell. The first request of a turn
 * starts the turn; an immediate marks its end. A request read in this turn arrived after the poll that
 * fed the previous turn (else it would have been read there). So when the loop has not waited for I/O
 * since the previous turn began, the request may have been queued since then; when it has waited, the
 * request arrived during or after that wait, and only the work done before it in this turn counts.
 */
export class TurnClock {
  #start = -1;
  #position = 0;
  #carried = 0;
  #afterIdle = false;
  #previousStart: number;
  #idleAtPreviousStart: number;
  readonly #loop: LoopProbe;
  readonly #end = () => void (this.#start = -1);
  constructor(loop: LoopProbe = realLoop) {
    this.#loop = loop;
    this.#previousStart = loop.now();
    this.#idleAtPreviousStart = loop.idleMs();
  }

  /**
   * This request's place in its turn (0: first), the longest it can have been queued (ms), now, and
   * whether the loop waited for I/O before this turn (then nothing was queued when the turn began).
   */
  arrive(): {
    readonly position: number;
    readonly waitedMs: number;
    readonly now: number;
    readonly afterIdle: boolean;
  } {
    const now = this.#loop.now();
    if (this.#start < 0) {
      const idle = this.#loop.idleMs();
      this.#afterIdle = idle > this.#idleAtPreviousStart;
      this.#carried = this.#afterIdle ? 0 : now - this.#previousStart;
      this.#start = this.#previousStart = now;
      this.#idleAtPreviousStart = idle;
      this.#position = 0;
      this.#loop.atTurnEnd(this.#end);
    }
    return {
      position: this.#position++,
      waitedMs: this.#carried + now - this.#start,
      now,
      afterIdle: this.#afterIdle,
    };
  }
}

export interface AdmissionOptions {
  readonly limits: AdmissionLimits;
  /** Paths never refused (probes, /metrics). */
  readonly exempt: ReadonlySet<string>;
  /** Requests that belong to one already admitted (the service's calls to itself): counted, never refused. */
  readonly partOfAdmitted?: (req: IncomingMessage) => boolean;
  /** Called for every refused request with its path (metrics; the logger gets a summary once a second). */
  readonly onShed: (req: IncomingMessage, path: string, reason: ShedReason, waitedMs: number) => void;
  readonly logger: Logger;
  readonly clock?: TurnClock;
}

const pathOf = (url: string | undefined) => {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? raw : raw.slice(0, q);
};

/** Every refusal of a reason is the same answer (retryLater's problem and headers), built once. */
function refusal(detail: string) {
  const { problem, headers } = retryLater(ProblemType.overloaded, 'Overloaded', detail);
  const body = Buffer.from(JSON.stringify(problem));
  return {
    body,
    headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': String(body.length) },
  };
}

/** The answers, body and headers, one per reason (bench/bare-503.ts answers with the same bytes). */
export const REFUSALS: Record<ShedReason, ReturnType<typeof refusal>> = {
  in_flight: refusal('the most requests this instance accepts are in progress (MAX_IN_FLIGHT); retry later'),
  queue_delay: refusal('requests are waiting longer than MAX_QUEUE_DELAY_MS to be handled; retry later'),
};

export interface Admission {
  /** True when the request was admitted; otherwise it has been answered 503 already. */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
  readonly inFlight: () => number;
}

export function admission(options: AdmissionOptions): Admission {
  const { limits, exempt, onShed, logger } = options;
  const clock = options.clock ?? new TurnClock();
  let inFlight = 0;
  const release = () => void inFlight--;
  // Refusals are summed and logged once a second: one log line per refusal would cost as much as the
  // refused request, exactly when the instance has no time to spare. Metrics count each one.
  const shedSince: Record<ShedReason, number> = { in_flight: 0, queue_delay: 0 };
  let summary: NodeJS.Timeout | undefined;
  const flush = () => {
    summary = undefined;
    logger.warn(
      { shed_in_flight: shedSince.in_flight, shed_queue_delay: shedSince.queue_delay },
      'overloaded: requests answered 503 in the last second',
    );
    shedSince.in_flight = shedSince.queue_delay = 0;
  };

  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    reason: ShedReason,
    waitedMs: number,
  ) => {
    const { body, headers } = REFUSALS[reason];
    res.writeHead(503, headers).end(body);
    onShed(req, path, reason, waitedMs);
    shedSince[reason]++;
    summary ??= setTimeout(flush, 1000).unref();
    return false;
  };

  // CoDel's rule (Nichols & Jacobson, RFC 8289): a burst is absorbed, a standing queue is not. The first
  // request of each turn has waited least; while that minimum stays above the target for a whole
  // interval, the queue is standing, and requests that waited longer than the target are refused.
  // A turn whose queue was not already standing when it began is not refused: the turn that drains the
  // backlog of one long pause (a mark-compact of a large heap) is the burst itself, however long it
  // takes. From the next turn on, requests are refused as soon as the queue has stood for the interval.
  // Refusing then goes on until the least waits have stayed within the target for an interval, or the
  // loop has waited for I/O (nothing was left queued): one short turn, the one that refused the others,
  // is not the end of an overload. Stopping there let every turn admit all it read for a whole interval
  // before refusing again, and the turns, and the refused requests' waits, grew to tens of ms at 4×.
  let aboveSince: number | undefined;
  let belowSince: number | undefined;
  let standingBefore = false;
  let refusing = false;
  const standing = (position: number, waitedMs: number, now: number, afterIdle: boolean) => {
    if (limits.queueDelayIntervalMs === 0) return true; // no burst allowance: the target alone decides
    if (position === 0) {
      standingBefore = aboveSince !== undefined && waitedMs > limits.maxQueueDelayMs;
      if (waitedMs <= limits.maxQueueDelayMs) {
        aboveSince = undefined;
        belowSince ??= now;
        if (afterIdle || now - belowSince >= limits.queueDelayIntervalMs) refusing = false;
      } else {
        aboveSince ??= now;
        belowSince = undefined;
      }
    }
    if (standingBefore && aboveSince !== undefined && now - aboveSince >= limits.queueDelayIntervalMs)
      refusing = true;
    return refusing;
  };

  return {
    admit(req, res) {
      const path = pathOf(req.url);
      if (exempt.has(path)) return true;
      const { position, waitedMs, now, afterIdle } = clock.arrive();
      const queueStanding = limits.maxQueueDelayMs > 0 && standing(position, waitedMs, now, afterIdle);
      if (!options.partOfAdmitted?.(req)) {
        if (inFlight >= limits.maxInFlight) return refuse(req, res, path, 'in_flight', waitedMs);
        if (queueStanding && position > 0 && waitedMs > limits.maxQueueDelayMs)
          return refuse(req, res, path, 'queue_delay', waitedMs);
      }
      inFlight++;
      res.once('close', release);
      return true;
    },
    inFlight: () => inFlight,
  };
}
