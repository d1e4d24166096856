// The benchmark workloads. Every parameter is bounded by configuration; memory and file I/O also
// draw from shared budgets so that many concurrent requests cannot exhaust the host either.
import { isUtf8 } from 'node:buffer';
import { tmpdir, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request } from 'express';
import type { CapacityBudget } from '../../lib/capacity-budget.ts';
import { readCgroupLimits } from '../../runtime/cgroup-limits.ts';
import { burnCpu } from '../../workloads/cpu.ts';
import { writeSyncReadDelete } from '../../workloads/file-io.ts';
import { buildItems } from '../../workloads/json-payload.ts';
import { holdMemory } from '../../workloads/memory.ts';
import type { AppContext } from '../context.ts';
import { intParam, parseQuery } from '../params.ts';
import { HttpProblem, ProblemType, retryLater } from '../problem.ts';
import type { RouteDef } from './route.ts';

/** At most this many calls per /api/fanout request; each is a real HTTP call back to this server. */
const FANOUT_MAX_CALLS = 10;

function acquire(budget: CapacityBudget, amount: number, unit: string): () => void {
  const release = budget.tryAcquire(amount);
  if (!release) {
    throw retryLater(
      ProblemType.capacityExhausted,
      'Workload capacity exhausted',
      `${amount} ${unit} requested, ${budget.limit - budget.inUse} of ${budget.limit} ${unit} free; retry later`,
    );
  }
  return release;
}

const MIB = 1024 * 1024;

/** 75 % of the memory this process may use (its cgroup limit, else the machine's memory). */
function memoryCeiling(): number {
  return 0.75 * (readCgroupLimits().memoryBytes ?? totalmem());
}

export function workloadRoutes(ctx: AppContext): RouteDef[] {
  const w = ctx.config.workloads;
  const rssCeiling = memoryCeiling();
  const ioDir = w.ioDir ?? tmpdir();
  const params = {
    cpu: {
      iterations: intParam(1, w.cpuMaxIterations, 100_000, 'loop iterations (CPU_MAX_ITERATIONS bounds it)'),
    },
    memory: {
      mb: intParam(1, w.memoryMaxMb, 8, 'MiB to allocate and touch (MEMORY_MAX_MB)'),
      holdMs: intParam(0, w.memoryMaxHoldMs, 100, 'ms to hold it before release (MEMORY_MAX_HOLD_MS)'),
    },
    io: { kb: intParam(1, w.ioMaxKb, 64, 'KiB to write, fsync, read back and delete (IO_MAX_KB)') },
    delay: { ms: intParam(0, w.delayMaxMs, 50, 'ms to wait (DELAY_MAX_MS)') },
    json: { items: intParam(1, w.jsonMaxItems, 10, 'items to build and serialise (JSON_MAX_ITEMS)') },
    fanout: {
      calls: intParam(1, FANOUT_MAX_CALLS, 2, 'concurrent calls to this service’s own /api/delay'),
      ms: intParam(0, Math.min(w.delayMaxMs, 5000), 10, 'the delay each call asks for, ms'),
    },
    none: {},
  };

  const echoBody = express.json({
    limit: w.echoMaxBytes,
    strict: false,
    verify: (_req, res, buf, encoding) => {
      (res as unknown as { locals: Record<string, unknown> }).locals.bodyBytes = buf.length;
      // The parser would replace bad bytes with U+FFFD and carry on; JSON must be UTF-8 (RFC 8259 §8.1).
      if (/^utf-?8$/i.test(encoding) && !isUtf8(buf)) {
        throw new HttpProblem({
          type: ProblemType.invalidBody,
          title: 'Invalid body',
          status: 400,
          detail: 'the body is not valid UTF-8, which JSON requires (RFC 8259 §8.1)',
        });
      }
    },
  });

  return [
    {
      method: 'get',
      path: '/api/cpu',
      summary: 'CPU-bound loop',
      query: params.cpu,
      observed: true,
      handlers: [
        (req, res) => {
          const { iterations } = parseQuery(req.query, params.cpu);
          const t = performance.now();
          const checksum = burnCpu(iterations);
          res.json({ iterations, checksum, elapsed_ms: performance.now() - t });
        },
      ],
    },
    {
      method: 'get',
      path: '/api/memory',
      summary: 'Allocate, touch, hold and release memory',
      query: params.memory,
      observed: true,
      handlers: [
        async (req, res) => {
          const { mb, holdMs } = parseQuery(req.query, params.memory);
          // The budget counts memory held by requests in progress; released blocks stay resident until
          // the next GC, which falls behind at hundreds of allocations per second. The process's real
          // size is the last word: past the ceiling, refuse instead of being OOM-killed.
          const rss = process.memoryUsage.rss();
          // After a burst the allocator keeps freed blocks (RSS stays high for minutes) and the next
          // allocation reuses them: refuse only when what is live would cross the ceiling as well.
          const live = () => {
            const m = process.memoryUsage();
            return m.heapUsed + m.external;
          };
          if (rss + mb * MIB > rssCeiling && live() + mb * MIB > rssCeiling) {
            throw retryLater(
              ProblemType.capacityExhausted,
              'Workload capacity exhausted',
              `the process is at ${Math.round(rss / MIB)} MiB of its ${Math.round(rssCeiling / MIB)} MiB ceiling (75 % of its memory limit), ${Math.round(live() / MIB)} MiB of it live; retry later`,
            );
          }
          const release = acquire(ctx.budgets.memoryMb, mb, 'MiB');
          try {
            const { bytes } = await holdMemory(mb, holdMs);
            res.json({ allocated_bytes: bytes, held_ms: holdMs });
          } finally {
            release();
          }
        },
      ],
    },
    {
      method: 'get',
      path: '/api/io',
      summary: 'Write, fsync, read back and delete a file',
      query: params.io,
      observed: true,
      handlers: [
        async (req, res) => {
          const { kb } = parseQuery(req.query, params.io);
          const release = acquire(ctx.budgets.ioKb, kb, 'KiB');
          try {
            const r = await writeSyncReadDelete(ioDir, kb);
            res.json({ bytes: r.bytes, write_ms: r.writeMs, fsync_ms: r.fsyncMs, read_ms: r.readMs });
          } finally {
            release();
          }
        },
      ],
    },
    {
      method: 'get',
      path: '/api/delay',
      summary: 'Pure latency wait',
      query: params.delay,
      observed: true,
      handlers: [
        async (req, res) => {
          const { ms } = parseQuery(req.query, params.delay);
          await sleep(ms);
          res.json({ delayed_ms: ms });
        },
      ],
    },
    {
      method: 'get',
      path: '/api/json',
      summary: 'Build and serialise N items',
      query: params.json,
      observed: true,
      handlers: [
        (req, res) => {
          const { items } = parseQuery(req.query, params.json);
          res.json({ count: items, items: buildItems(items) });
        },
      ],
    },
    {
      method: 'get',
      path: '/api/fanout',
      summary: 'Concurrent calls to this service (trace propagation)',
      query: params.fanout,
      observed: true,
      handlers: [
        async (req, res) => {
          const { calls, ms } = parseQuery(req.query, params.fanout);
          // Only ever this server itself: the target is not taken from the request.
          const target = `${ctx.selfUrl()}/api/delay?ms=${ms}`;
          const started = performance.now();
          const statuses = await Promise.all(
            Array.from({ length: calls }, async () => {
              try {
                const response = await fetch(target, {
                  signal: AbortSignal.timeout(ms + 5000),
                  headers: { [ctx.selfCallHeader.name]: ctx.selfCallHeader.value },
                });
                await response.arrayBuffer();
                return response.status;
              } catch (error) {
                // The downstream call is this server: a timeout means it is overloaded, not broken.
                if ((error as Error).name === 'TimeoutError') return 503;
                throw error;
              }
            }),
          );
          if (statuses.includes(503)) {
            throw retryLater(
              ProblemType.overloaded,
              'Overloaded',
              `${statuses.filter((s) => s === 503).length} of ${calls} downstream calls were shed or timed out; retry later`,
            );
          }
          res.json({ calls, statuses, elapsed_ms: performance.now() - started });
        },
      ],
    },
    {
      method: 'post',
      path: '/api/echo',
      summary: 'Echo a JSON body and its size',
      query: params.none,
      jsonBody: true,
      observed: true,
      handlers: [
        (req, _res, next) => {
          parseQuery(req.query, params.none);
          if (!req.is('application/json')) {
            throw new HttpProblem({
              type: ProblemType.blank,
              title: 'Unsupported Media Type',
              status: 415,
              detail: 'the body must be application/json',
            });
          }
          next();
        },
        echoBody,
        (req: Request, res) => {
          const body: unknown = req.body;
          const bytes = typeof res.locals.bodyBytes === 'number' ? res.locals.bodyBytes : 0;
          if (body === undefined || bytes === 0) {
            throw new HttpProblem({
              type: ProblemType.invalidBody,
              title: 'Missing request body',
              status: 400,
              detail: 'a JSON body is required',
            });
          }
          res.json({ received: body, bytes });
        },
      ],
    },
  ];
}
