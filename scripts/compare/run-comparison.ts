// One comparison run: which environments can run, start-up times, then the same open-model load on
// every environment at stepped rates, A/B interleaved, repeated, warm-up discarded. Returns results.json's
// content; on Ctrl-C (signal) it stops at once and returns what it has, marked incomplete.
import { readStatus, watchResources } from '../../harness/app-probe.ts';
import type { Environment, LoadPath, Started } from '../../harness/environments/environment.ts';
import { attack } from '../../harness/load-driver.ts';
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
        log(`start-up ${i + 1}/${s.startups} ${env.name}: ${fmt(started.startupMs, 0)} ms`);
      }
    }

    // The copies under load, and the proof that they got the same resources.
    const paths: (LoadPath & { environment: Environment['name'] })[] = [];
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
      results.environments.push({ name: env.name, facts: await env.describe(), status });
      statuses.push({
        name: env.name,
        cpus: status.limits.cpus,
        memory: status.limits.memory_bytes,
        tracing: status.telemetry?.tracing,
      });
      for (const p of started.paths) paths.push({ ...p, environment: env.name });
    }
    const mismatch = unfairness(statuses);
    if (mismatch && !ctx.allowUnequalLimits)
      throw new Error(
        `resource limits or telemetry differ, the comparison would not be fair: ${mismatch} (--allow-unequal-limits to run anyway)`,
      );
    if (mismatch) log(`WARNING: not equal (--allow-unequal-limits): ${mismatch}`);
    log(`load paths: ${paths.map((p) => `${p.label} ${p.url}${p.note ? ` [${p.note}]` : ''}`).join(', ')}`);

    const mix = s.mix === 'trivial' ? [TRIVIAL] : REQUEST_MIX;
    const saturatedAt = new Map<string, number>();
    const rates = [...s.rates];
    for (let r = 0; r < rates.length; r++) {
      const rate = rates[r]!;
      const active = paths.filter((p) => !saturatedAt.has(p.label));
      if (active.length === 0) break;
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
        if (s.warmupSeconds > 0) {
          log(`warm-up ${p.label} at ${rate} req/s for ${s.warmupSeconds} s (discarded)`);
          await load(p, s.warmupSeconds);
        }
      }
      for (let rep = 0; rep < s.repetitions; rep++) {
        for (const p of rotate(active, rep)) {
          check();
          const watcher = watchResources(p.url);
          const result = await load(p, s.durationSeconds);
          const resources = await watcher.stop();
          check(); // an interrupted window is incomplete: not recorded
          const saturated = isSaturated(result);
          results.windows.push({
            environment: p.environment,
            path: p.label,
            ...(p.note ? { pathNote: p.note } : {}),
            rate,
            repetition: rep + 1,
            load: result,
            ...(resources ? { resources } : {}),
            saturated,
          });
          log(
            `${rate} req/s, run ${rep + 1}/${s.repetitions}, ${p.label}: p50 ${fmt(result.latencyMs.p50, 2)} ms, ` +
              `p99 ${fmt(result.latencyMs.p99, 2)} ms, ${result.ok}/${result.expected} ok, dropped ${result.dropped}` +
              (resources
                ? `, CPU ${fmt(resources.cpuCores, 2)} cores, RSS ${fmt(resources.rssMaxMiB, 0)} MiB`
                : '') +
              (saturated ? '  ← saturated' : ''),
          );
        }
      }
      for (const p of active) {
        if (results.windows.some((w) => w.path === p.label && w.rate === rate && w.saturated)) {
          saturatedAt.set(p.label, rate);
          log(`${p.label} saturated at ${rate} req/s: not driven higher`);
        }
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
