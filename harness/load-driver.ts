// The open-model load of the compare command, driven by vegeta (MIT): `vegeta attack -rate` sends at a
// constant arrival rate whether or not earlier requests have answered, as k6's constant-arrival-rate
// does. k6 itself is AGPL and may not run on this project's build machines; the k6 scripts in
// loadtests/ are the same mix for users. Headline percentiles come from vegeta's own report of every
// request, never from a histogram's buckets.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { quantileSorted } from 'simple-statistics';
import { z } from 'zod';
import type { MixEntry } from '../loadtests/lib/mix.ts';

const run = promisify(execFile);

const PercentilesSchema = z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() });

/** One group of answers (a status code, a route): how many, and their latency percentiles in ms. */
export const GroupSchema = z.object({
  count: z.number().int().nonnegative(),
  latencyMs: PercentilesSchema,
});
export type Group = z.infer<typeof GroupSchema>;

/** From every single request's record: what a client saw, beyond vegeta's summary. */
export const BreakdownSchema = z.object({
  /** By status code ("0": no HTTP answer at all). */
  byStatus: z.record(z.string(), GroupSchema),
  /** By route (path), with its own status codes. */
  byRoute: z.record(z.string(), GroupSchema.extend({ statusCodes: z.record(z.string(), z.number().int()) })),
  /** Requests without an HTTP answer, by cause. */
  transport: z.object({
    timeouts: z.number().int().nonnegative(),
    resets: z.number().int().nonnegative(),
    other: z.number().int().nonnegative(),
  }),
  /**
   * The most requests the driver had in flight at once (from each send time and latency). Below the
   * driver's worker cap, a request not sent was the driver's own pacing falling behind, not a slow
   * target holding every worker (what k6 counts as dropped iterations). Absent in older results.
   */
  peakInFlight: z.number().int().nonnegative().optional(),
});
export type Breakdown = z.infer<typeof BreakdownSchema>;

export const LoadResultSchema = z.object({
  offeredRate: z.number().positive(),
  durationSeconds: z.number().positive(),
  /** Requests an open model should have sent: rate × duration. */
  expected: z.number().nonnegative(),
  sent: z.number().int().nonnegative(),
  /**
   * Requests of the schedule never sent: every worker was busy (k6: dropped_iterations), or the driver's
   * own pacing fell behind before the end (`breakdown.peakInFlight` tells which).
   */
  dropped: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  achievedRps: z.number().nonnegative(),
  latencyMs: z.object({
    p50: z.number(),
    p90: z.number(),
    p95: z.number(),
    p99: z.number(),
    max: z.number(),
    mean: z.number(),
  }),
  statusCodes: z.record(z.string(), z.number().int().nonnegative()),
  errors: z.array(z.string()),
  /** Absent in results written before the driver kept every request's record. */
  breakdown: BreakdownSchema.optional(),
});
export type LoadResult = z.infer<typeof LoadResultSchema>;

/** vegeta's `report -type=json`, the fields used (durations in nanoseconds). */
interface VegetaReport {
  latencies: { mean: number; '50th': number; '90th': number; '95th': number; '99th': number; max: number };
  duration: number;
  wait: number;
  requests: number;
  throughput: number;
  success: number;
  status_codes: Record<string, number> | null;
  errors: string[] | null;
}

/**
 * vegeta round-robins over its targets, so the mix is spelled out by weight (per 5 %), interleaved by
 * smooth weighted round-robin: the routes alternate instead of arriving in blocks.
 */
export function targetLines(baseUrl: string, mix: readonly MixEntry[]): string[] {
  const slots = mix.map((e) => Math.max(1, Math.round(e.weight / 5)));
  const total = slots.reduce((a, b) => a + b, 0);
  const current = slots.map(() => 0);
  const lines: string[] = [];
  for (let i = 0; i < total; i++) {
    slots.forEach((w, k) => (current[k]! += w));
    const k = current.indexOf(Math.max(...current));
    current[k]! -= total;
    const e = mix[k]!;
    lines.push(
      JSON.stringify({
        method: e.method,
        url: `${baseUrl}${e.route}${e.query ? `?${e.query}` : ''}`,
        ...(e.body
          ? { body: Buffer.from(e.body).toString('base64'), header: { 'Content-Type': ['application/json'] } }
          : {}),
      }),
    );
  }
  return lines;
}

export interface AttackOptions {
  readonly vegeta: string;
  readonly baseUrl: string;
  readonly mix: readonly MixEntry[];
  readonly rate: number;
  readonly durationSeconds: number;
  /** Upper bound on concurrent requests (k6's maxVUs); beyond it requests are dropped, and counted. */
  readonly maxWorkers: number;
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
}

export async function attack(o: AttackOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-vegeta-'));
  try {
    const targets = join(dir, 'targets.jsonl');
    const results = join(dir, 'results.bin');
    writeFileSync(targets, targetLines(o.baseUrl, o.mix).join('\n') + '\n');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        o.vegeta,
        [
          'attack',
          '-format=json',
          `-targets=${targets}`,
          `-rate=${o.rate}/1s`,
          `-duration=${o.durationSeconds}s`,
          `-timeout=${o.timeoutSeconds}s`,
          '-workers=10',
          `-max-workers=${o.maxWorkers}`,
          `-output=${results}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Ctrl-C: vegeta stops on SIGINT and still writes the results it has.
      const onAbort = () => child.kill('SIGINT');
      o.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', reject);
      child.on('exit', (code, sig) => {
        o.signal?.removeEventListener('abort', onAbort);
        if (code === 0 || o.signal?.aborted) resolve();
        else reject(new Error(`vegeta attack exited with ${code ?? sig}: ${stderr.trim()}`));
      });
    });
    // Stopped by Ctrl-C: the run is incomplete and is not recorded, so its partial file is not read.
    if (o.signal?.aborted) throw new Error('interrupted (Ctrl-C)');
    return await summarize(o.vegeta, [results], o.rate, o.durationSeconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One result from vegeta's binary results files: one run's, or several load generators' of the same run
 * (vegeta reads them as one stream, so the percentiles are those of every request, not an average).
 * `rate` is the total offered rate.
 */
export async function summarize(
  vegeta: string,
  files: readonly string[],
  rate: number,
  durationSeconds: number,
): Promise<LoadResult> {
  const { stdout } = await run(vegeta, ['report', '-type=json', ...files], { maxBuffer: 16 << 20 });
  return {
    ...toResult(JSON.parse(stdout) as VegetaReport, rate, durationSeconds),
    breakdown: await breakdown(vegeta, files),
  };
}

const ms = (ns: number) => ns / 1e6;

/** A request's record as `vegeta encode -to json` writes it (the fields used; latency in ns). */
const RecordSchema = z.object({
  code: z.number().int(),
  /** RFC 3339 with nanoseconds: when the request was sent. */
  timestamp: z.string(),
  latency: z.number(),
  error: z.string(),
  url: z.string(),
});

/** What kind of failure a transport error string is (Go's net/http wording). */
export function transportCause(error: string): keyof Breakdown['transport'] {
  if (/Client\.Timeout|deadline exceeded|i\/o timeout|timeout awaiting/i.test(error)) return 'timeouts';
  if (/connection reset|broken pipe|server closed idle connection|EOF$/i.test(error)) return 'resets';
  return 'other';
}

/** An RFC 3339 time with up to nanoseconds, in µs since the epoch (Date.parse keeps only ms). */
export function epochMicros(timestamp: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 time: ${JSON.stringify(timestamp)}`);
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? '';
  return ms * 1000 + Number(fraction.slice(3, 6).padEnd(3, '0'));
}

/** The most intervals [start, end) open at once (ends sorted before starts at the same instant). */
export function peakOverlap(starts: Float64Array, ends: Float64Array): number {
  starts.sort();
  ends.sort();
  let open = 0;
  let peak = 0;
  let j = 0;
  for (const s of starts) {
    while (j < ends.length && ends[j]! <= s) {
      j++;
      open--;
    }
    peak = Math.max(peak, ++open);
  }
  return peak;
}

function group(latenciesNs: number[]): Group {
  const sorted = latenciesNs.sort((a, b) => a - b);
  const q = (p: number) => ms(quantileSorted(sorted, p));
  return {
    count: sorted.length,
    latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: ms(sorted.at(-1)!) },
  };
}

/** Every request's record, streamed from vegeta's binary results and grouped by status and by route. */
export async function breakdown(vegeta: string, results: readonly string[]): Promise<Breakdown> {
  const child = spawn(vegeta, ['encode', '-to', 'json', ...results], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const byStatus = new Map<string, number[]>();
  const byRoute = new Map<string, { latencies: number[]; codes: Record<string, number> }>();
  const transport = { timeouts: 0, resets: 0, other: 0 };
  const starts: number[] = [];
  const ends: number[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line) continue;
    const r = RecordSchema.parse(JSON.parse(line));
    const code = String(r.code);
    const status = byStatus.get(code) ?? [];
    status.push(r.latency);
    byStatus.set(code, status);
    const path = new URL(r.url).pathname;
    const route = byRoute.get(path) ?? { latencies: [], codes: {} };
    route.latencies.push(r.latency);
    route.codes[code] = (route.codes[code] ?? 0) + 1;
    byRoute.set(path, route);
    if (r.code === 0) transport[transportCause(r.error)]++;
    const sent = epochMicros(r.timestamp);
    starts.push(sent);
    ends.push(sent + r.latency / 1000);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`vegeta encode exited with ${code}: ${stderr.trim()}`);
  return {
    byStatus: Object.fromEntries([...byStatus].map(([k, v]) => [k, group(v)])),
    byRoute: Object.fromEntries(
      [...byRoute].map(([k, v]) => [k, { ...group(v.latencies), statusCodes: v.codes }]),
    ),
    transport,
    peakInFlight: peakOverlap(Float64Array.from(starts), Float64Array.from(ends)),
  };
}

/** The routes that answered anything but 200 in a run, each with its status counts ("/api/io {…}"). */
export function failedRoutes(r: LoadResult): string[] {
  return Object.entries(r.breakdown?.byRoute ?? {})
    .filter(([, g]) => Object.keys(g.statusCodes).some((c) => c !== '200'))
    .map(([route, g]) => `${route} ${JSON.stringify(g.statusCodes)}`);
}

export function toResult(r: VegetaReport, rate: number, durationSeconds: number): LoadResult {
  const expected = Math.round(rate * durationSeconds);
  const ok = Math.round(r.requests * r.success);
  return {
    offeredRate: rate,
    durationSeconds,
    expected,
    sent: r.requests,
    dropped: Math.max(0, expected - r.requests),
    ok,
    failed: r.requests - ok,
    // Successful responses per second over the attack plus the wait for the last answers.
    achievedRps: r.throughput,
    latencyMs: {
      p50: ms(r.latencies['50th']),
      p90: ms(r.latencies['90th']),
      p95: ms(r.latencies['95th']),
      p99: ms(r.latencies['99th']),
      max: ms(r.latencies.max),
      mean: ms(r.latencies.mean),
    },
    statusCodes: r.status_codes ?? {},
    errors: (r.errors ?? []).slice(0, 20),
  };
}

export async function vegetaVersion(vegeta: string): Promise<string> {
  const { stdout } = await run(vegeta, ['-version']);
  return /Version:\s*(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
}
