// The Markdown report: the seed project's table (start-up, memory, throughput, response time) as
// medians with 95 % confidence intervals and the difference from the native baseline, marked significant
// or not; then every rate's figures, the machine, and how it was measured. A pure function of results.json.
import { median } from 'simple-statistics';
import type { Results, Window } from './results.ts';
import { ALPHA, compare, type Summary, summarize } from '../../harness/stats.ts';

export const CHART_FILES = {
  latency: 'latency-vs-load.svg',
  throughput: 'throughput.svg',
  startup: 'startup.svg',
  memory: 'memory.svg',
} as const;

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

function cell(s: Summary | undefined, d = 1): string {
  if (!s) return '—';
  const ci = s.n > 1 ? ` [${f(s.low, d)}–${f(s.high, d)}]` : '';
  return `${f(s.median, d)}${ci} (n=${s.n})`;
}

function delta(values: readonly number[] | undefined, base: readonly number[] | undefined): string {
  if (!values?.length || !base?.length) return '';
  const c = compare(values, base);
  const sign = c.differencePercent > 0 ? '+' : '';
  const verdict = c.tooFew
    ? 'too few samples to test'
    : c.significant
      ? `**significant**, p${c.pValue < 0.001 ? '<0.001' : `=${f(c.pValue, 3)}`}`
      : `not significant, p=${f(c.pValue, 2)}`;
  return ` ${sign}${f(c.differencePercent)} % (${verdict})`;
}

/** Paths in report order: native first (the baseline), then as they ran. */
export function pathsOf(results: Results): string[] {
  const paths = [...new Set(results.windows.map((w) => w.path))];
  return paths.sort((a, b) => Number(b === 'native') - Number(a === 'native'));
}

export function ratesOf(results: Results): number[] {
  return [...new Set(results.windows.map((w) => w.rate))].sort((a, b) => a - b);
}

const at = (results: Results, path: string, rate: number) =>
  results.windows.filter((w) => w.path === path && w.rate === rate);

/** The highest rate every path (of `paths`) sustained in every run: where latency and memory are compared. */
export function commonRate(results: Results, paths = pathsOf(results)): number | undefined {
  const ok = ratesOf(results).filter((rate) =>
    paths.every((p) => {
      const ws = at(results, p, rate);
      return ws.length > 0 && ws.every((w) => !w.saturated);
    }),
  );
  return ok.length ? ok[ok.length - 1] : undefined;
}

/** The highest rate a path sustained in every run, and whether a higher one broke it. */
export function sustained(
  results: Results,
  path: string,
): { rate: number | undefined; saturatedAbove: boolean } {
  const rates = ratesOf(results).filter((r) => at(results, path, r).length > 0);
  let best: number | undefined;
  let broke = false;
  for (const rate of rates) {
    if (at(results, path, rate).every((w) => !w.saturated)) best = broke ? best : rate;
    else broke = true;
  }
  return { rate: best, saturatedAbove: broke };
}

const environmentOfPath = (results: Results, path: string) =>
  results.windows.find((w) => w.path === path)?.environment;

export function renderReport(results: Results): string {
  const paths = pathsOf(results);
  const base = paths.includes('native') ? 'native' : paths[0];
  const rate = commonRate(results);
  const s = results.settings;
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);

  push(`# Native vs container vs VM: the same app under the same load`, '');
  push(
    `Run ${results.startedAt} → ${results.finishedAt ?? '(unfinished)'}${s.quick ? ', **quick mode**' : ''}.`,
    '',
  );
  if (!results.complete)
    push(
      `> **Incomplete run** (${results.interruption ?? 'stopped'}): the figures below are what was measured before it stopped.`,
      '',
    );
  const vm = results.environments.find((e) => e.name === 'vm' && !e.skipped);
  if (vm && /EMULATED/.test(vm.facts.acceleration ?? ''))
    push(
      '> **The VM ran under emulation (qemu TCG), not hardware virtualization**: its figures say nothing about a real VM.',
      '',
    );
  if (vm && /unknown/.test(vm.facts.acceleration ?? ''))
    push(
      "> The VM's acceleration is unknown (hardware virtualization or emulation): read its figures with that in mind.",
      '',
    );
  for (const e of results.environments.filter((x) => x.skipped))
    push(`- **${e.name} skipped**: ${e.skipped}`);
  if (results.environments.some((x) => x.skipped)) push('');

  // The seed's table.
  push('## Summary', '');
  push(
    `Medians over repetitions, 95 % confidence interval in brackets (order statistics; below 6 samples the bracket is min–max and covers less than 95 %), and the difference from **${base}**, tested with a two-sided permutation test (α = ${ALPHA}).`,
    '',
  );
  push(`| measure | ${paths.join(' | ')} |`, `| --- | ${paths.map(() => '---').join(' | ')} |`);
  const row = (label: string, valuesOf: (path: string) => number[] | undefined, digits = 1) => {
    const baseValues = base ? valuesOf(base) : undefined;
    const cells = paths.map((p) => {
      const v = valuesOf(p);
      if (!v?.length) return '—';
      return cell(summarize(v), digits) + (p === base ? '' : delta(v, baseValues));
    });
    push(`| ${label} | ${cells.join(' | ')} |`);
  };
  const startupOf = (p: string) => {
    const env = environmentOfPath(results, p);
    return env ? results.startupMs[env] : undefined;
  };
  row('start-up: command → first 200 on /health (ms)', startupOf, 0);
  // Resources and latency at the highest rate all paths sustained; where a slower path (an emulated VM)
  // saturates early, again at the highest rate the others sustained, so they are compared under load too.
  const others = paths.filter(
    (p) => sustained(results, p).rate !== undefined && sustained(results, p).rate! > (rate ?? 0),
  );
  const compared = [rate, commonRate(results, others)].filter(
    (r, i, all): r is number => r !== undefined && all.indexOf(r) === i,
  );
  for (const r of compared) {
    const values = (p: string, pick: (w: Window) => number | undefined) =>
      at(results, p, r)
        .filter((w) => !w.saturated)
        .map(pick)
        .filter((v): v is number => v !== undefined);
    row(`memory: largest RSS under load at ${r} req/s (MiB)`, (p) =>
      values(p, (w) => w.resources?.rssMaxMiB),
    );
    row(`CPU at ${r} req/s (cores)`, (p) => values(p, (w) => w.resources?.cpuCores), 3);
    for (const q of ['p50', 'p95', 'p99'] as const)
      row(`response time ${q} at ${r} req/s (ms)`, (p) => values(p, (w) => w.load.latencyMs[q]), 2);
  }
  row('throughput: highest rate sustained in every run (req/s)', (p) => {
    const r = sustained(results, p).rate;
    return r === undefined ? undefined : at(results, p, r).map((w) => w.load.achievedRps);
  });
  push('');
  const unsaturated = paths.filter((p) => !sustained(results, p).saturatedAbove);
  if (unsaturated.length)
    push(
      `Throughput is a lower bound for ${unsaturated.join(', ')}: not saturated at the highest rate tried (${Math.max(...ratesOf(results))} req/s), so the figure is the offered load, not the maximum.`,
      '',
    );
  if (rate === undefined)
    push('No rate was sustained by every path: latency and memory are not compared.', '');
  const brackets = paths
    .map((p) => {
      const good = sustained(results, p).rate;
      const bad = ratesOf(results).find((r) => r > (good ?? 0) && at(results, p, r).some((w) => w.saturated));
      return good !== undefined && bad !== undefined ? `${p} ${good}–${bad}` : undefined;
    })
    .filter((x) => x !== undefined);
  if (brackets.length)
    push(
      `Each saturated path's maximum lies between its highest sustained rate and the next step (${brackets.join('; ')} req/s); a smaller \`--step-factor\` narrows it.`,
      '',
    );

  push('## Charts', '');
  push(`![Latency percentiles vs offered load](${CHART_FILES.latency})`, '');
  push(`![Achieved vs offered throughput](${CHART_FILES.throughput})`, '');
  push(`![Start-up times](${CHART_FILES.startup})`, '');
  push(`![Memory under load](${CHART_FILES.memory})`, '');

  push('## Every rate', '');
  push(
    'Medians over the repetitions at each offered rate. "dropped": requests the load driver could not send on time (an open model counts them, a closed one hides them).',
    '',
  );
  push(
    '| offered req/s | path | p50 ms | p95 ms | p99 ms | achieved req/s | ok / expected | dropped | CPU cores | RSS MiB | saturated |',
  );
  push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of ratesOf(results)) {
    for (const p of paths) {
      const ws = at(results, p, r);
      if (!ws.length) continue;
      const m = (pick: (w: Window) => number | undefined, d = 2) => {
        const v = ws.map(pick).filter((x): x is number => x !== undefined);
        return v.length ? f(median(v), d) : '—';
      };
      const ok = ws.reduce((a, w) => a + w.load.ok, 0);
      const expected = ws.reduce((a, w) => a + w.load.expected, 0);
      const dropped = ws.reduce((a, w) => a + w.load.dropped, 0);
      const sat = ws.filter((w) => w.saturated).length;
      push(
        `| ${r} | ${p} | ${m((w) => w.load.latencyMs.p50)} | ${m((w) => w.load.latencyMs.p95)} | ${m((w) => w.load.latencyMs.p99)} | ${m((w) => w.load.achievedRps, 1)} | ${ok} / ${expected} | ${dropped} | ${m((w) => w.resources?.cpuCores, 3)} | ${m((w) => w.resources?.rssMaxMiB, 0)} | ${sat ? `${sat} of ${ws.length} runs` : 'no'} |`,
      );
    }
  }
  push('');

  push('## Where it ran', '');
  push('| | |', '| --- | --- |');
  for (const [k, v] of Object.entries(results.machine)) push(`| ${k} | ${v} |`);
  push('');
  for (const e of results.environments.filter((x) => !x.skipped)) {
    push(
      `**${e.name}**: ` +
        Object.entries(e.facts)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ') +
        '.',
    );
    if (e.status)
      push(
        '',
        `\`/status\`: environment \`${e.status.environment}\`, Node ${e.status.node_version}, cgroup ${e.status.limits.cgroup}, cpus ${e.status.limits.cpus ?? 'unlimited'}, memory ${e.status.limits.memory_bytes === null ? 'unlimited' : `${e.status.limits.memory_bytes / 2 ** 20} MiB`}, tracing ${e.status.telemetry?.tracing ?? 'unknown'}.`,
      );
    push('');
  }
  const notes = [
    ...new Set(results.windows.filter((w) => w.pathNote).map((w) => `${w.path}: ${w.pathNote}`)),
  ];
  if (notes.length) push(`Load paths: ${notes.join('; ')}.`, '');

  push('## How it was measured', '');
  push(
    `- Load: ${s.loadDriver}, open model (constant arrival rate: requests are sent on schedule whether or not earlier ones have answered), ${s.mix === 'trivial' ? 'the trivial route `GET /api/json?items=1`' : 'the default request mix of `loadtests/lib/mix.ts`'}; ${s.durationSeconds} s per run, ${s.repetitions} runs per rate and path, ${s.warmupSeconds} s warm-up per rate and path discarded; paths interleaved, their order rotated each run.`,
    `- Rates: ${ratesOf(results).join(', ')} req/s${s.stepFactor > 1 ? ` (stepped ×${s.stepFactor} until saturation or ${s.maxRate} req/s)` : ''}. A run is saturated when more than 0.1 % of its requests were dropped or failed, or fewer than 99 % were sent.`,
    `- Percentiles from the load driver's own record of every request (not from histogram buckets). CPU and RSS from the app's own process metrics (process_cpu_seconds_total, process_resident_memory_bytes, the series Prometheus scrapes), read every second during each run.`,
    `- Resources: every copy ${s.cpus} CPU and ${s.memoryMib} MiB (versions.env), verified from each copy's /status before any load. Telemetry: ${s.telemetry}.`,
    `- Start-up: ${s.startups} starts per environment, interleaved; each from the start command (spawn, \`docker run\`) to the first 200 on /health, with an empty compile cache every time.`,
    '',
  );
  return lines.join('\n');
}
