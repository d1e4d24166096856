// One comparison run: which environments can run, start-up times, then the same open-model load on
// every environment at stepped rates, A/B interleaved, repeated, warm-up discarded. Returns results.json's
// content; on Ctrl-C (signal) it stops at once and returns what it has, marked incomplete.
import { readStatus, watchResources } from '../../harness/app-probe.ts';
import { type FootprintReader, toHostMemory, watchFootprint } from '../../harness/footprint.ts';
import type { Environment, LoadPath, Started } from '../../harness/environments/environment.ts';
import { attack, failedRoutes, type LoadResult } from '../../harness/load-driver.ts';
import { REQUEST_MIX, TRIVIAL } from '../../loadtests/lib/mix.ts';
import { isSaturated, type Results, RESULTS_VERSION, type RunSettings } from './results.ts';

export interface RunContext {
  readonly settings: RunSettings;
  readonly environments: readonly Environment[];
  readonly machine: Record<string, string>;
  readonly vegeta: string;
  readonly allowUnequalLimits: boolean;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

class Interrupted extends Error {}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
/** Extra warm-up windows a path may need after its start before one is answered in full. */
const SETTLE_TRIES = 4;
/** What a window that was not answered in full got instead: the failing routes' codes, requests without an answer. */
const shortfall = (r: LoadResult) => {
  if (r.ok >= r.expected) return '';
  const t = r.breakdown?.transport;
  const parts = [
    ...failedRoutes(r),
    ...(t && t.timeouts + t.resets + t.other > 0 ? [`no answer ${JSON.stringify(t)}`] : []),
    ...(r.dropped > 0 ? [`dropped ${r.dropped}`] : []),
  ];
  return ` (short: ${parts.length > 0 ? parts.join(', ') : r.errors.slice(0, 3).join('; ')})`;
};
const rotate = <T>(xs: readonly T[], k: number) => xs.map((_, i) => xs[(i + k) % xs.length]!);

interface Fairness {
  readonly name: string;
  readonly cpus: number | null;
  readonly memory: number | null;
  readonly tracing: boolean | undefined;
}

/** Each running copy's /status must show the same limits and the same telemetry, or the comparison is not fair. */
export function unfairness(copies: readonly Fairness[]): string | undefined {
  const [first, ...rest] = copies;
  if (!first) return undefined;
  const differ = rest.some(
    (c) => c.cpus !== first.cpus || c.memory !== first.memory || c.tracing !== first.tracing,
  );
  const mib = (b: number | null) => (b === null ? 'unlimited' : `${b / 2 ** 20} MiB`);
  return differ
    ? copies
        .map(
          (c) =>
            `${c.name}: cpus ${c.cpus ?? 'unlimited'}, memory ${mib(c.memory)}, tracing ${c.tracing ?? 'unknown'}`,
        )
        .join('; ')
    : undefined;
}

export async function runComparison(ctx: RunContext): Promise<Results> {
  const { settings: s, log, signal } = ctx;
  const results: Results = {
    version: RESULTS_VERSION,
    startedAt: new Date().toISOString(),
    complete: false,
    settings: s,
    machine: ctx.machine,
    environments: [],
    startupMs: {},
    windows: [],
  };
  const check = () => {
    if (signal.aborted) throw new Interrupted('interrupted (Ctrl-C)');
  };
  const running: Started[] = [];
  const available: Environment[] = [];
  try {
    for (const env of ctx.environments) {
      const reason = await env.unavailable();
      if (reason) {
        log(`SKIP ${env.name}: ${reason}`);
        results.environments.push({ name: env.name, skipped: reason, facts: {} });
      } else {
        available.push(env);
      }
    }
    if (available.length === 0) throw new Error('no environment can run here (see the SKIP lines above)');

    // Start-up: command → first 200 on /health, interleaved across environments.
    for (let i = 0; i < s.startups; i++) {
      for (const env of rotate(available, i)) {
        check();
        const started = await env.start();
        await started.stop();
        if (started.startupMs === undefined) continue;
        (results.startupMs[env.name] ??= []).push(started.startupMs);
        for (const [phase, value] of Object.entries(started.phases ?? {}))
          (((results.startupPhases ??= {})[env.name] ??= {})[phase] ??= []).push(value);
        log(`start-up ${i + 1}/${s.startups} ${env.name}: ${fmt(started.startupMs, 0)} ms`);
        if (env.startExisting) {
          check();
          const ms = await env.startExisting();
          ((results.restartMs ??= {})[env.name] ??= []).push(ms);
          log(`start-up ${i + 1}/${s.startups} ${env.name}, stopped copy started again: ${fmt(ms, 0)} ms`);
        }
      }
    }

    // The copies under load, and the proof that they got the same resources.
    const paths: (LoadPath & { environment: Environment['name']; footprint?: FootprintReader })[] = [];
    const statuses: Fairness[] = [];
    for (const env of available) {
      check();
      const started = await env.start();
      running.push(started);
      const status = await readStatus(started.paths[0]!.url);
      if (status.environment !== env.name)
        throw new Error(
          `${started.paths[0]!.url}/status says environment "${status.environment}", expected "${env.name}"`,
        );
      const idle = started.footprint?.();
      const disk = await env.disk?.().catch(() => undefined);
      results.environments.push({
        name: env.name,
        facts: await env.describe(),
        status,
        ...(disk ? { disk } : {}),
        ...(idle ? { idleFootprint: toHostMemory(idle) } : {}),
      });
      statuses.push({
        name: env.name,
        cpus: status.limits.cpus,
        memory: status.limits.memory_bytes,
        tracing: status.telemetry?.tracing,
      });
      for (const p of started.paths)
        paths.push({
          ...p,
          environment: env.name,
          ...(started.footprint ? { footprint: started.footprint } : {}),
        });
    }
    const mismatch = unfairness(statuses);
    if (mismatch && !ctx.allowUnequalLimits)
      throw new Error(
        `resource limits or telemetry differ, the comparison would not be fair: ${mismatch} (--allow-unequal-limits to run anyway)`,
      );
    if (mismatch) log(`WARNING: not equal (--allow-unequal-limits): ${mismatch}`);
    log(`load paths: ${paths.map((p) => `${p.label} ${p.url}${p.note ? ` [${p.note}]` : ''}`).join(', ')}`);

    const mix = s.mix === 'trivial' ? [TRIVIAL] : REQUEST_MIX;
    type Path = (typeof paths)[number];
    /** Warm-up, then `repetitions` runs of each path at `rate`, interleaved; true per path that saturated. */
    const settled = new Set<string>();
    const measure = async (active: readonly Path[], rate: number): Promise<Set<string>> => {
      const load = (p: LoadPath, seconds: number) =>
        attack({
          vegeta: ctx.vegeta,
          baseUrl: p.url,
          mix,
          rate,
          durationSeconds: seconds,
          maxWorkers: Math.max(50, rate),
          timeoutSeconds: 10,
          signal,
        });
      for (const p of active) {
        check();
        if (s.warmupSeconds <= 0) continue;
        log(`warm-up ${p.label} at ${rate} req/s for ${s.warmupSeconds} s (discarded)`);
        let warm = await load(p, s.warmupSeconds);
        // A copy that has just started (a VM whose guest is still finishing its boot, above all under
        // emulation) may refuse its first requests; the first warm-up of each path repeats until one
        // window is answered in full, so the first measured run is not its start-up.
        for (
          let extra = 1;
          !settled.has(p.label) && warm.ok < warm.expected && extra <= SETTLE_TRIES;
          extra++
        ) {
          check();
          log(
            `${p.label} answered ${warm.ok}/${warm.expected} of its first warm-up${shortfall(warm)}: warming again (${extra}/${SETTLE_TRIES})`,
          );
          warm = await load(p, s.warmupSeconds);
        }
        if (!settled.has(p.label) && warm.ok < warm.expected)
          log(
            `WARNING: ${p.label} still answered ${warm.ok}/${warm.expected} after ${SETTLE_TRIES + 1} warm-ups${shortfall(warm)}`,
          );
        settled.add(p.label);
      }
      const saturatedPaths = new Set<string>();
      for (let rep = 0; rep < s.repetitions; rep++) {
        for (const p of rotate(active, rep)) {
          check();
          const watcher = watchResources(p.url);
          const host = p.footprint ? watchFootprint(p.footprint) : undefined;
          const result = await load(p, s.durationSeconds);
          const resources = await watcher.stop();
          const hostMemory = await host?.stop();
          check(); // an interrupted window is incomplete: not recorded
          const saturated = isSaturated(result);
          if (saturated) saturatedPaths.add(p.label);
          results.windows.push({
            environment: p.environment,
            path: p.label,
            ...(p.note ? { pathNote: p.note } : {}),
            rate,
            repetition: rep + 1,
            load: result,
            ...(resources ? { resources } : {}),
            ...(hostMemory ? { hostMemory } : {}),
            saturated,
          });
          log(
            `${rate} req/s, run ${rep + 1}/${s.repetitions}, ${p.label}: p50 ${fmt(result.latencyMs.p50, 2)} ms, ` +
              `p99 ${fmt(result.latencyMs.p99, 2)} ms, ${result.ok}/${result.expected} ok, dropped ${result.dropped}` +
              (resources
                ? `, CPU ${fmt(resources.cpuCores, 2)} cores, RSS ${fmt(resources.rssMaxMiB, 0)} MiB`
                : '') +
              (hostMemory ? `, host ${fmt(hostMemory.maxMiB, 0)} MiB` : '') +
              shortfall(result) +
              (saturated ? '  ← saturated' : ''),
          );
        }
      }
      return saturatedPaths;
    };

    const saturatedAt = new Map<string, number>();
    const sustainedAt = new Map<string, number>();
    const rates = [...s.rates];
    for (let r = 0; r < rates.length; r++) {
      const rate = rates[r]!;
      const active = paths.filter((p) => !saturatedAt.has(p.label));
      if (active.length === 0) break;
      const saturatedNow = await measure(active, rate);
      for (const p of active) {
        if (saturatedNow.has(p.label)) {
          saturatedAt.set(p.label, rate);
          log(`${p.label} saturated at ${rate} req/s: not driven higher`);
        } else sustainedAt.set(p.label, rate);
      }
      const next = Math.round(rate * s.stepFactor);
      if (
        r === rates.length - 1 &&
        s.stepFactor > 1 &&
        next <= s.maxRate &&
        paths.some((p) => !saturatedAt.has(p.label))
      )
        rates.push(next);
    }

    // Each saturated path's bracket (highest sustained, first saturated) halved until it is within
    // `precision` of the sustained rate: a ×1.5 step alone leaves the maximum uncertain by 50 %.
    for (const p of paths) {
      let bad = saturatedAt.get(p.label);
      let good = sustainedAt.get(p.label);
      if (s.precision <= 0 || bad === undefined || good === undefined) continue;
      while ((bad - good) / good > s.precision) {
        const mid = Math.round((good + bad) / 2);
        if (mid === good || mid === bad) break;
        log(`${p.label}: maximum between ${good} and ${bad} req/s; trying ${mid}`);
        if ((await measure([p], mid)).has(p.label)) bad = mid;
        else good = mid;
      }
      log(
        `${p.label}: sustains ${good} req/s, saturates at ${bad} (${fmt((100 * (bad - good)) / good)} % apart)`,
      );
    }
    results.complete = true;
  } catch (error) {
    // Whatever failed once Ctrl-C was pressed (the load driver stopped mid-run) is the interruption.
    results.interruption = signal.aborted ? 'interrupted (Ctrl-C)' : (error as Error).message;
    if (!signal.aborted) log(`error: ${(error as Error).message}`);
  } finally {
    await Promise.all(running.map((r) => r.stop().catch(() => undefined)));
    await Promise.all(ctx.environments.map((e) => e.cleanup().catch(() => undefined)));
    results.finishedAt = new Date().toISOString();
  }
  return results;
}
