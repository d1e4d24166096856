// baseline.md: two compare runs side by side (two machines, two versions, before and after a kernel
// change). Each measure of each path both runs have, as median [95 % CI] in each run, the difference,
// and whether it exceeds run-to-run noise (the same permutation test as the report). Settings that
// differ are named first: a difference in the mix or the limits explains more than any kernel.
// A pure function of the two results files.
import { ALPHA, summarize } from '../../harness/stats.ts';
import { at, bracket, cell, difference, pathHeader, pathsOf, ratesOf, sustained } from './report.ts';
import type { Results, Window } from './results.ts';

const ci = (values: readonly number[], d: number) => (values.length ? cell(summarize(values), d) : '—');
const verdict = (current: readonly number[], baseline: readonly number[]) =>
  current.length && baseline.length ? difference(current, baseline) : '—';

/** The highest rate at which every given path ran unsaturated in every window of both runs. */
export function sharedRate(a: Results, b: Results, paths: readonly string[]): number | undefined {
  const ok = (r: Results, rate: number) =>
    paths.every((p) => {
      const ws = at(r, p, rate);
      return ws.length > 0 && ws.every((w) => !w.saturated);
    });
  const rates = ratesOf(a).filter((rate) => ratesOf(b).includes(rate) && ok(a, rate) && ok(b, rate));
  return rates.at(-1);
}

/** Run settings that differ between the two runs, as "name: baseline → current". */
export function settingDifferences(a: Results, b: Results): string[] {
  const keys = [
    'mix',
    'cpus',
    'memoryMib',
    'telemetry',
    'durationSeconds',
    'repetitions',
    'loadDriver',
  ] as const;
  return keys
    .filter((k) => JSON.stringify(a.settings[k]) !== JSON.stringify(b.settings[k]))
    .map((k) => `${k}: ${String(a.settings[k])} → ${String(b.settings[k])}`);
}

export function renderDiff(
  baseline: Results,
  current: Results,
  files: { readonly baseline: string; readonly current: string },
): string {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push('# Two compare runs side by side', '');
  push(
    `- **baseline**: ${files.baseline} (${baseline.startedAt}${baseline.complete ? '' : ', INCOMPLETE'})`,
    `- **this run**: ${files.current} (${current.startedAt}${current.complete ? '' : ', INCOMPLETE'})`,
    '',
  );
  const differences = settingDifferences(baseline, current);
  if (differences.length)
    push(
      `> **The runs were made with different settings**, which may explain a difference better than the change you are looking for: ${differences.join('; ')}.`,
      '',
    );
  for (const [name, r] of [
    ['baseline', baseline],
    ['this run', current],
  ] as const) {
    const vm = r.environments.find((e) => e.name === 'vm' && !e.skipped);
    if (/EMULATED/.test(vm?.facts.acceleration ?? ''))
      push(
        `> In the ${name}, the VM ran under emulation (qemu TCG): its figures say nothing about a real VM.`,
        '',
      );
  }

  const paths = pathsOf(current).filter((p) => pathsOf(baseline).includes(p));
  const only = [
    ...pathsOf(baseline)
      .filter((p) => !paths.includes(p))
      .map((p) => `${p} (baseline only)`),
    ...pathsOf(current)
      .filter((p) => !paths.includes(p))
      .map((p) => `${p} (this run only)`),
  ];
  if (only.length) push(`Not compared, measured in one run only: ${only.join(', ')}.`, '');
  if (!paths.length) {
    push('The two runs have no path in common: nothing to compare.', '');
    return lines.join('\n');
  }
  const rate = sharedRate(baseline, current, paths);

  push('## Differences', '');
  push(
    `Medians with 95 % confidence intervals (order statistics; below 6 samples min–max), and the difference of this run from the baseline, tested with a two-sided permutation test (α = ${ALPHA}).${rate === undefined ? ' No rate was sustained by every path in both runs: latency and memory under load are not compared.' : ` Latency, CPU and memory at ${rate} req/s, the highest rate every path sustained in both runs.`}`,
    '',
  );
  push('| measure | path | baseline | this run | difference |', '| --- | --- | ---: | ---: | --- |');
  const row = (measure: string, path: string, a: number[], b: number[], d = 1) => {
    if (!a.length && !b.length) return;
    push(`| ${measure} | ${pathHeader(current, path)} | ${ci(a, d)} | ${ci(b, d)} | ${verdict(b, a)} |`);
  };
  const env = (r: Results, p: string) => r.windows.find((w) => w.path === p)?.environment;
  for (const p of paths) {
    const e = env(current, p);
    row('start-up (ms)', p, (e && baseline.startupMs[e]) ?? [], (e && current.startupMs[e]) ?? [], 0);
    if (rate !== undefined) {
      const pick = (r: Results, fn: (w: Window) => number | undefined) =>
        at(r, p, rate)
          .map(fn)
          .filter((v): v is number => v !== undefined);
      const both = (measure: string, fn: (w: Window) => number | undefined, d = 1) =>
        row(measure, p, pick(baseline, fn), pick(current, fn), d);
      both('response time p50 (ms)', (w) => w.load.latencyMs.p50, 2);
      both('response time p99 (ms)', (w) => w.load.latencyMs.p99, 2);
      both('host memory under load (MiB)', (w) => w.hostMemory?.maxMiB);
      both('app RSS under load (MiB)', (w) => w.resources?.rssMaxMiB);
      both('CPU (cores)', (w) => w.resources?.cpuCores, 3);
    }
  }
  push('');

  push('## Highest rate sustained', '');
  push(
    "From each run's stepped search and bisection: the highest rate sustained in every run, and the lowest that saturated. Brackets that do not overlap are a real difference; overlapping ones are not resolved at this precision.",
    '',
  );
  push('| path | baseline | this run |', '| --- | --- | --- |');
  const sat = (r: Results, p: string) => {
    const b = bracket(r, p);
    const s = sustained(r, p).rate;
    return b ? `${b.good}–${b.bad} req/s` : s !== undefined ? `≥ ${s} req/s (not saturated)` : '—';
  };
  for (const p of paths) push(`| ${pathHeader(current, p)} | ${sat(baseline, p)} | ${sat(current, p)} |`);
  push('');

  push('## Where each ran', '');
  push('| | baseline | this run |', '| --- | --- | --- |');
  const keys = [...new Set([...Object.keys(baseline.machine), ...Object.keys(current.machine)])];
  for (const k of keys) {
    const a = baseline.machine[k] ?? '—';
    const b = current.machine[k] ?? '—';
    push(`| ${a === b ? k : `**${k}** (differs)`} | ${a} | ${b} |`);
  }
  push('');
  return lines.join('\n');
}
