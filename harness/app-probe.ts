// What the compare command reads from a running copy of the app: when it first answers /health, its
// /status (environment and resource limits), and its own process metrics (the series Prometheus scrapes).
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { poll } from './poll.ts';

/** The part of the app's /status document the harness relies on (the app may add fields). */
export const AppStatusSchema = z.looseObject({
  environment: z.string(),
  node_version: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  limits: z.looseObject({
    cgroup: z.string(),
    cpus: z.number().positive().nullable(),
    memory_bytes: z.number().int().positive().nullable(),
  }),
  telemetry: z.looseObject({ tracing: z.boolean() }).optional(),
  /** Process start → ready by the app's own clock (performance.now() at ready). */
  startup_duration_seconds: z.number().nonnegative().optional(),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;

/** Polls /health until 200; returns ms since `since` (performance.now() when the start command ran). */
export async function firstHealthy(
  baseUrl: string,
  since: number,
  timeoutMs: number,
  stillRunning: () => string | undefined = () => undefined,
): Promise<number> {
  await poll(
    async () => {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200 ? true : undefined;
    },
    {
      what: `${baseUrl}/health answering 200`,
      timeoutMs: timeoutMs - (performance.now() - since),
      intervalMs: 5,
      abortIf: stillRunning,
    },
  );
  return performance.now() - since;
}

export async function readStatus(baseUrl: string): Promise<AppStatus> {
  const res = await fetch(`${baseUrl}/status`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`${baseUrl}/status answered ${res.status}`);
  const parsed = AppStatusSchema.safeParse(await res.json());
  if (!parsed.success)
    throw new Error(`${baseUrl}/status is not the app's status document: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface ProcessSample {
  readonly at: number;
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

/** One reading of process_cpu_seconds_total and process_resident_memory_bytes from the app's /metrics. */
export async function sampleProcess(baseUrl: string): Promise<ProcessSample> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const value = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
    if (!m) throw new Error(`${baseUrl}/metrics has no ${name}`);
    return Number(m[1]);
  };
  return {
    at: performance.now(),
    cpuSeconds: value('process_cpu_seconds_total'),
    rssBytes: value('process_resident_memory_bytes'),
  };
}

export const ResourceUseSchema = z.object({
  /** CPU seconds per second of the window: 1.0 is one core busy. */
  cpuCores: z.number().nonnegative(),
  rssMaxMiB: z.number().nonnegative(),
});
export type ResourceUse = z.infer<typeof ResourceUseSchema>;

/**
 * Samples the app's process metrics every `everyMs` until stopped: CPU over the window and the largest
 * RSS seen. A failed sample (the app busy beyond the timeout) is skipped, not fatal.
 */
export function watchResources(
  baseUrl: string,
  everyMs = 1000,
): { stop: () => Promise<ResourceUse | undefined> } {
  const samples: ProcessSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        samples.push(await sampleProcess(baseUrl));
      } catch {
        // skipped sample
      }
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      try {
        samples.push(await sampleProcess(baseUrl));
      } catch {
        // keep what we have
      }
      if (samples.length < 2) return undefined;
      const first = samples[0]!;
      const last = samples[samples.length - 1]!;
      return {
        cpuCores: (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000),
        rssMaxMiB: Math.max(...samples.map((s) => s.rssBytes)) / 2 ** 20,
      };
    },
  };
}
