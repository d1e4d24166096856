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
  routes: 'latency-per-route.svg',
} as const;

/** Whether the run's VM was emulated (qemu TCG): every VM figure, table header and chart says so. */
export function vmEmulated(results: Results): boolean {
  const vm = results.environments.find((e) => e.name === 'vm' && !e.skipped);
  return /EMULATED/.test(vm?.facts.acceleration ?? '');
}

/** A path's column header: the VM's says "emulated" when it was. */
export function pathHeader(results: Results, path: string): string {
  return environmentOfPath(results, path) === 'vm' && vmEmulated(results) ? `${path} (EMULATED)` : path;
}

/** Routes of the mix in the order of their first appearance, from the load driver's record. */
export function routesOf(results: Results): string[] {
  return [...new Set(results.windows.flatMap((w) => Object.keys(w.load.breakdown?.byRoute ?? {})))].sort();
}

/** Each saturated path's bracket: highest rate sustained in every run, lowest rate that saturated. */
export function bracket(results: Results, path: string): { good: number; bad: number } | undefined {
  const good = sustained(results, path).rate;
  const bad = ratesOf(results).find((r) => r > (good ?? 0) && at(results, path, r).some((w) => w.saturated));
  return good !== undefined && bad !== undefined ? { good, bad } : undefined;
}

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export function cell(s: Summary | undefined, d = 1): string {
  if (!s) return '—';
  const ci = s.n > 1 ? ` [${f(s.low, d)}–${f(s.high, d)}]` : '';
  return `${f(s.median, d)}${ci} (n=${s.n})`;
}

/** `+32.0 % (**significant**, p=0.008)`: the difference of medians from the baseline, and its test. */
export function difference(values: readonly number[], base: readonly number[]): string {
  const c = compare(values, base);
  const sign = c.differencePercent > 0 ? '+' : '';
  const verdict = c.tooFew
    ? 'too few samples to test'
    : c.significant
      ? `**significant**, p${c.pValue < 0.001 ? '<0.001' : `=${f(c.pValue, 3)}`}`
      : `not significant, p=${f(c.pValue, 2)}`;
  return `${sign}${f(c.differencePercent)} % (${verdict})`;
}

function delta(values: readonly number[] | undefined, base: readonly number[] | undefined): string {
  return values?.length && base?.length ? ` ${difference(values, base)}` : '';
}

/** Paths in report order: native first (the baseline), then as they ran. */
export function pathsOf(results: Results): string[] {
  const paths = [...new Set(results.windows.map((w) => w.path))];
  return paths.sort((a, b) => Number(b === 'native') - Number(a === 'native'));
}

export function ratesOf(results: Results): number[] {
  return [...new Set(results.windows.map((w) => w.rate))].sort((a, b) => a - b);
}

/** A path's windows at one offered rate. */
export const at = (results: Results, path: string, rate: number) =>
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

function environmentOfPath(results: Results, path: string) {
  return results.windows.find((w) => w.path === path)?.environment;
}
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
  if (vmEmulated(results))
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

  const headers = paths.map((p) => pathHeader(results, p));
  const startupOf = (p: string) => {
    const env = environmentOfPath(results, p);
    return env ? results.startupMs[env] : undefined;
  };
  const envRecord = (p: string) => results.environments.find((e) => e.name === environmentOfPath(results, p));
  const loadedAt = (p: string, r: number, pick: (w: Window) => number | undefined) =>
    at(results, p, r)
      .filter((w) => !w.saturated)
      .map(pick)
      .filter((v): v is number => v !== undefined);

  // The seed's question first: start-up, what each environment costs the host, how much it serves, how fast.
  push("## The seed's table: start-up, host footprint, throughput, response time", '');
  push(
    `Medians over runs with their 95 % confidence interval in brackets, and the difference from **${base}** (two-sided permutation test, α = ${ALPHA}). Memory is what the host spends on each environment: the native process tree; the container's cgroup working set plus its containerd shim and docker-proxy; the VM's whole qemu process (guest kernel and OS included).`,
    '',
  );
  push(`| | ${headers.join(' | ')} |`, `| --- | ${paths.map(() => '---').join(' | ')} |`);
  /** A row of median [CI] per path, with the difference from the baseline path. */
  const row = (label: string, valuesOf: (path: string) => number[] | undefined, digits = 1) => {
    const baseValues = base ? valuesOf(base) : undefined;
    const cells = paths.map((p) => {
      const v = valuesOf(p);
      if (!v?.length) return '—';
      return cell(summarize(v), digits) + (p === base ? '' : delta(v, baseValues));
    });
    push(`| ${label} | ${cells.join(' | ')} |`);
  };
  const single = (label: string, valueOf: (path: string) => string | undefined) =>
    push(`| ${label} | ${paths.map((p) => valueOf(p) ?? '—').join(' | ')} |`);
  row('start-up: start command → first 200 on /health (ms)', startupOf, 0);
  if (results.restartMs && Object.keys(results.restartMs).length)
    row(
      'start-up of a stopped copy (`docker start`) → first 200 (ms)',
      (p) => {
        const env = environmentOfPath(results, p);
        return env ? results.restartMs?.[env] : undefined;
      },
      0,
    );
  single('host memory, started and idle (MiB)', (p) => {
    const idle = envRecord(p)?.idleFootprint;
    return (
      idle &&
      `${f(idle.maxMiB)} (${Object.entries(idle.parts)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(', ')})`
    );
  });
  if (rate !== undefined)
    row(`host memory, largest under load at ${rate} req/s (MiB)`, (p) =>
      loadedAt(p, rate, (w) => w.hostMemory?.maxMiB),
    );
  single('disk on the host (MiB)', (p) => {
    const d = envRecord(p)?.disk;
    return d && `${f(d.mib, 0)} (${d.what})`;
  });
  single('highest rate sustained in every run (req/s)', (p) => {
    const sus = sustained(results, p);
    if (sus.rate === undefined) return undefined;
    const b = bracket(results, p);
    return b
      ? `${b.good}; saturated at ${b.bad} (within ${f((100 * (b.bad - b.good)) / b.good, 0)} %)`
      : `≥ ${sus.rate} (not saturated)`;
  });
  if (rate !== undefined)
    for (const q of ['p50', 'p99'] as const)
      row(
        `response time ${q} at ${rate} req/s (ms)`,
        (p) => loadedAt(p, rate, (w) => w.load.latencyMs[q]),
        2,
      );
  push('');
  for (const [env, phases] of Object.entries(results.startupPhases ?? {}))
    push(
      `Where the ${env}'s start-up went, as the guest tells it (medians over the starts, seconds): ${Object.entries(
        phases,
      )
        .map(([phase, values]) => `${phase} ${f(median(values), 1)}`)
        .join(
          '; ',
        )}. Power-on to the first 200 also holds the firmware and the loading of kernel and initrd.`,
      '',
    );
  if (rate === undefined)
    push(
      'No rate was sustained by every path: host memory under load and response time are not compared.',
      '',
    );

  push('## All measures', '');
  push(
    `Medians over repetitions, 95 % confidence interval in brackets (order statistics; below 6 samples the bracket is min–max and covers less than 95 %), and the difference from **${base}**, tested with a two-sided permutation test (α = ${ALPHA}).`,
    '',
  );
  push(`| measure | ${headers.join(' | ')} |`, `| --- | ${paths.map(() => '---').join(' | ')} |`);
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
      const b = bracket(results, p);
      return b ? `${p} ${b.good}–${b.bad}` : undefined;
    })
    .filter((x) => x !== undefined);
  if (brackets.length)
    push(
      `Each saturated path's maximum lies between its highest sustained rate and the lowest rate that saturated it (${brackets.join('; ')} req/s)${s.precision > 0 ? `; brackets wider than ${f(100 * s.precision, 0)} % were halved until they were not` : '; `--precision` narrows it'}.`,
      '',
    );

  const routes = routesOf(results);
  if (rate !== undefined && routes.length) {
    push(`## Per route, at ${rate} req/s`, '');
    push(
      "Each route of the mix on its own, from the load driver's record of every request: medians over runs of each run's percentiles, and every answer that was not a 200 (status code, or 0 for no answer) summed over the runs. The mix's designed waits (`/api/delay`, `/api/memory`) set the whole mix's p95; the CPU, fsync and allocation routes show their own differences here.",
      '',
    );
    push(
      `| route | ${headers.map((h) => `${h} p50 / p99 ms`).join(' | ')} | not 200 |`,
      `| --- | ${paths.map(() => '---:').join(' | ')} | --- |`,
    );
    for (const route of routes) {
      const errors: string[] = [];
      const cells = paths.map((p) => {
        const ws = at(results, p, rate).filter((w) => w.load.breakdown?.byRoute[route]);
        if (!ws.length) return '—';
        const g = ws.map((w) => w.load.breakdown!.byRoute[route]!);
        const bad = g.reduce(
          (sum, x) => sum + Object.entries(x.statusCodes).reduce((a, [c, n]) => a + (c === '200' ? 0 : n), 0),
          0,
        );
        if (bad) errors.push(`${p}: ${bad}`);
        return `${f(median(g.map((x) => x.latencyMs.p50)), 2)} / ${f(median(g.map((x) => x.latencyMs.p99)), 2)}`;
      });
      push(`| \`${route}\` | ${cells.join(' | ')} | ${errors.length ? errors.join('; ') : 'none'} |`);
    }
    push('', `![Latency per route](${CHART_FILES.routes})`, '');
  }

  push('## Charts', '');
  push(`![Latency percentiles vs offered load](${CHART_FILES.latency})`, '');
  push(`![Achieved vs offered throughput](${CHART_FILES.throughput})`, '');
  push(`![Start-up times](${CHART_FILES.startup})`, '');
  push(`![Memory under load](${CHART_FILES.memory})`, '');
  if (routes.length && rate === undefined) push(`![Latency per route](${CHART_FILES.routes})`, '');

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
    `- Start-up: ${s.startups} starts per environment, interleaved; each from the start command (spawn, \`docker run\`) to the first 200 on /health, with an empty compile cache every time${results.restartMs ? '; for the container also a stopped container started again (`docker start`, its writable layer kept)' : ''}.`,
    `- Host memory: read from /proc and /sys/fs/cgroup every second during each run, the largest reading kept: the native process tree's RSS; the container's cgroup working set (usage minus inactive file cache, as \`docker stats\` reports it) plus the RSS of its containerd shim and docker-proxy; the VM's qemu process RSS. Disk: the app image's size; the VM disk image's allocated blocks; app/dist plus the Node.js executable for the host process.`,
    `- Per route: the load driver's record of every request, grouped by path; each run's percentiles, medians over runs.`,
    '',
  );
  return lines.join('\n');
}
