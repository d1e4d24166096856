// Admission control's rules on a fake clock: the queue delay is measured within one event-loop turn,
// the first request of a turn is never refused, probes are exempt, the in-flight bound is released on
// close, and refusals are summed into one log line.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admission, TurnClock, type ShedReason } from '../src/http/admission.ts';

function fakeTurns() {
  let now = 0;
  let idle = 0;
  let ends: (() => void)[] = [];
  const clock = new TurnClock({
    now: () => now,
    idleMs: () => idle,
    atTurnEnd: (end) => void ends.push(end),
  });
  return {
    clock,
    /** The loop works (or is stalled) for `ms`. */
    advance: (ms: number) => void (now += ms),
    /** The loop waits for I/O for `ms`. */
    idle: (ms: number) => {
      now += ms;
      idle += ms;
    },
    endTurn: () => {
      const run = ends;
      ends = [];
      for (const end of run) end();
    },
  };
}

class FakeResponse extends EventEmitter {
  status = 0;
  headers: Record<string, unknown> = {};
  body = '';
  writeHead(status: number, headers: Record<string, unknown>) {
    this.status = status;
    this.headers = headers;
    return this;
  }
  end(body: Buffer) {
    this.body = body.toString();
  }
}

function harness(
  given: { maxInFlight: number; maxQueueDelayMs: number; queueDelayIntervalMs?: number },
  selfCall?: string,
) {
  const limits = { queueDelayIntervalMs: 0, ...given };
  const turns = fakeTurns();
  const shed: { path: string | undefined; reason: ShedReason; waitedMs: number }[] = [];
  const logged: unknown[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const gate = admission({
    limits,
    exempt: new Set(['/health']),
    logger,
    clock: turns.clock,
    ...(selfCall ? { partOfAdmitted: (req: IncomingMessage) => req.url === selfCall } : {}),
    onShed: (req, _path, reason, waitedMs) => shed.push({ path: req.url, reason, waitedMs }),
  });
  const request = (url: string) => {
    const res = new FakeResponse();
    const admitted = gate.admit({ url } as IncomingMessage, res as unknown as ServerResponse);
    return { admitted, res };
  };
  return { ...turns, gate, request, shed, logged };
}

describe('TurnClock', () => {
  it('counts positions and waiting within a turn, and starts over after it', () => {
    const t = fakeTurns();
    t.idle(50);
    expect(t.clock.arrive()).toMatchObject({ position: 0, waitedMs: 0 });
    t.advance(7);
    expect(t.clock.arrive()).toMatchObject({ position: 1, waitedMs: 7 });
    t.advance(5);
    expect(t.clock.arrive()).toMatchObject({ position: 2, waitedMs: 12 });
    t.endTurn();
    t.idle(1000);
    expect(t.clock.arrive()).toMatchObject({ position: 0, waitedMs: 0 });
  });

  it('carries the time since the previous turn began when the loop has been busy ever since', () => {
    const t = fakeTurns();
    t.idle(5);
    t.clock.arrive();
    t.advance(30);
    t.endTurn();
    t.advance(12); // timers, completions, a GC pause: no wait for I/O, so requests may have queued
    expect(t.clock.arrive()).toMatchObject({ position: 0, waitedMs: 42, afterIdle: false });
    t.advance(3);
    expect(t.clock.arrive()).toMatchObject({ position: 1, waitedMs: 45, afterIdle: false });
  });

  it('carries nothing when the loop waited for I/O after the previous turn: the requests came later', () => {
    const t = fakeTurns();
    t.idle(5);
    t.clock.arrive();
    t.advance(30);
    t.endTurn();
    t.advance(12);
    t.idle(0.5);
    expect(t.clock.arrive()).toMatchObject({ position: 0, waitedMs: 0, afterIdle: true });
    t.advance(2);
    expect(t.clock.arrive()).toMatchObject({ position: 1, waitedMs: 2, afterIdle: true });
  });
});

describe('admission', () => {
  it('refuses a request that waited longer than the limit behind others in its turn, with a problem body', () => {
    const h = harness({ maxInFlight: 100, maxQueueDelayMs: 20 });
    h.idle(100);
    expect(h.request('/api/cpu').admitted).toBe(true);
    h.advance(20);
    expect(h.request('/api/json?items=1').admitted).toBe(true); // exactly at the limit: admitted
    h.advance(1);
    const late = h.request('/api/json?items=1');
    expect(late.admitted).toBe(false);
    expect(late.res.status).toBe(503);
    expect(late.res.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'Retry-After': '1',
    });
    expect(JSON.parse(late.res.body)).toEqual({
      type: 'urn:cloud-benchmark:problem:overloaded',
      title: 'Overloaded',
      status: 503,
      detail: 'requests are waiting longer than MAX_QUEUE_DELAY_MS to be handled; retry later',
    });
    expect(h.shed).toEqual([{ path: '/api/json?items=1', reason: 'queue_delay', waitedMs: 21 }]);
  });

  it('absorbs a burst: refuses only once the least-waiting request of each turn has been over the target for the interval', () => {
    const h = harness({ maxInFlight: 100, maxQueueDelayMs: 5, queueDelayIntervalMs: 100 });
    h.idle(10);
    h.request('/api/cpu'); // first of its turn, waited 0: no standing queue
    h.advance(30);
    expect(h.request('/api/json').admitted).toBe(true); // 30 ms behind a burst: absorbed
    h.endTurn();
    // From here the loop never waits for I/O: every turn's first request has waited the previous turn.
    for (let turn = 0; turn < 4; turn++) {
      h.advance(40);
      expect(h.request('/api/cpu').admitted).toBe(true); // first of its turn: never refused
      h.endTurn();
    }
    h.advance(40);
    h.request('/api/cpu'); // the queue has stood above 5 ms for 120 ms now
    h.advance(1);
    expect(h.request('/api/json').admitted).toBe(false);
    h.endTurn();
    // The loop waits for I/O once: nothing was left queued, and refusals stop at once.
    h.idle(1);
    h.request('/api/cpu');
    h.advance(30);
    expect(h.request('/api/json').admitted).toBe(true);
    expect(h.shed.map((s) => s.reason)).toEqual(['queue_delay']);
  });

  it('goes on refusing after a short turn, until the least waits have stayed within the target for an interval', () => {
    const h = harness({ maxInFlight: 100, maxQueueDelayMs: 5, queueDelayIntervalMs: 100 });
    h.idle(10);
    h.request('/api/cpu');
    h.endTurn();
    for (let turn = 0; turn < 4; turn++) {
      h.advance(40); // a standing queue: each turn's first request has waited the whole previous turn
      h.request('/api/cpu');
      h.endTurn();
    }
    h.advance(40);
    h.request('/api/cpu');
    h.advance(3);
    expect(h.request('/api/json').admitted).toBe(false); // the queue has stood above 5 ms for 160 ms
    h.endTurn();
    // The loop never waits for I/O, but every turn is short now: its first request has waited 3 ms,
    // within the target; the second, behind 3 ms of work, 6 ms. Those are refused until the least waits
    // have been within the target for 100 ms: 34 turns of 3 ms.
    const admittedSecond: boolean[] = [];
    for (let turn = 0; turn < 40; turn++) {
      expect(h.request('/api/cpu').admitted).toBe(true);
      h.advance(3);
      admittedSecond.push(h.request('/api/json').admitted);
      h.endTurn();
    }
    expect(admittedSecond.indexOf(true)).toBe(34);
    expect(admittedSecond.slice(34).every(Boolean)).toBe(true);
    expect(h.shed).toHaveLength(35);
    expect(new Set(h.shed.map((s) => s.reason))).toEqual(new Set(['queue_delay']));
  });

  it('does not refuse within the turn that drains one long pause, however long that turn takes', () => {
    const h = harness({ maxInFlight: 100, maxQueueDelayMs: 5, queueDelayIntervalMs: 100 });
    h.idle(10);
    h.request('/api/cpu');
    h.endTurn();
    h.advance(400); // a 400 ms pause (a mark-compact): the requests it held arrive in one turn
    for (let i = 0; i < 60; i++) {
      expect(h.request('/api/json').admitted).toBe(true);
      h.advance(3); // 180 ms of work in this one turn
    }
    h.endTurn();
    h.idle(1); // low load: the loop waits for I/O again, the queue is gone
    expect(h.request('/api/json').admitted).toBe(true);
    expect(h.shed).toEqual([]);
  });

  it('never refuses the first request of a turn, however busy the loop was before it', () => {
    const h = harness({ maxInFlight: 100, maxQueueDelayMs: 1 });
    for (let i = 0; i < 5; i++) {
      h.advance(500);
      expect(h.request('/api/json').admitted).toBe(true);
      h.advance(500);
      h.endTurn();
    }
    expect(h.shed).toEqual([]);
  });

  it('bounds requests in progress and frees a place when a response closes; probes are exempt', () => {
    const h = harness({ maxInFlight: 2, maxQueueDelayMs: 0 });
    const a = h.request('/api/delay');
    h.request('/api/delay');
    expect(h.gate.inFlight()).toBe(2);
    expect(h.request('/api/json').admitted).toBe(false);
    expect(h.request('/health').admitted).toBe(true);
    a.res.emit('close');
    expect(h.gate.inFlight()).toBe(1);
    expect(h.request('/api/json').admitted).toBe(true);
    expect(h.shed.map((s) => s.reason)).toEqual(['in_flight']);
  });

  it('lets a request that is part of an admitted one through, and counts it in flight', () => {
    const h = harness({ maxInFlight: 1, maxQueueDelayMs: 1 }, '/api/delay?self');
    h.idle(10);
    h.request('/api/fanout');
    h.advance(50);
    expect(h.request('/api/delay?self').admitted).toBe(true);
    expect(h.gate.inFlight()).toBe(2);
    expect(h.request('/api/json').admitted).toBe(false);
  });

  it('does not refuse on queue delay when the rule is off (0)', () => {
    const h = harness({ maxInFlight: 100, maxQueueDelayMs: 0 });
    h.request('/api/cpu');
    h.advance(10_000);
    expect(h.request('/api/json').admitted).toBe(true);
  });

  afterEach(() => void vi.useRealTimers());

  it('sums refusals into one warning a second instead of one line each', () => {
    vi.useFakeTimers();
    const h = harness({ maxInFlight: 1, maxQueueDelayMs: 0 });
    h.request('/api/delay');
    for (let i = 0; i < 3; i++) h.request('/api/json');
    expect(h.logged).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(h.logged).toMatchObject([
      { msg: 'overloaded: requests answered 503 in the last second', shed_in_flight: 3, shed_queue_delay: 0 },
    ]);
  });
});
