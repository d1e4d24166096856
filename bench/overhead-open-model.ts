// Telemetry overhead under an open-model load (prints measurements; it is not a test). Three servers,
// each in a 1-CPU / 512 MiB cgroup as the compared environments are: a minimal node:http server doing
// the same work under the app's runtime flags (bench/bare-http.ts), the app with telemetry disabled
// (OTEL_SDK_DISABLED=true) and the app with full telemetry (spans, OTLP traces and logs to a
// discard-all receiver, exemplars).
// For the trivial route and the default request mix:
//   1. in interleaved rounds, each variant's maximum sustainable rate on a fresh process: offered rates
//      rise until a run drops or fails requests, then bisection (harness/saturation.ts); round 1 searches
//      from --start-rate ×1.5, later rounds from just below the variant's previous result in ×1.08 steps;
//      rounds repeat until the ratios' 95 % intervals (order statistics of per-round ratios) are no
//      wider than --ci-width;
//   2. at one fixed rate (half the lowest median maximum), interleaved runs on fresh processes: p50/p99
//      and each server's CPU time per request (/proc/PID/stat), at least --runs runs and until the CPU
//      ratios' intervals are no wider than --ci-width: what a request costs, and where the CPU goes.
// Usage: npm run bench:overhead -- [--step-seconds 4] [--min-rounds 6] [--max-rounds 20] [--mix trivial,default]
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import {
  enoughRounds,
  formatSummary,
  precise,
  ratioSummary,
  summarize,
  verdict,
  type Summary,
} from '../harness/stats.ts';
import { REQUEST_MIX, TRIVIAL, type MixEntry } from '../loadtests/lib/mix.ts';
import { type AppSettings, type Environment } from '../harness/environments/environment.ts';
import { APP_COMMAND, nativeEnvironment } from '../harness/environments/native.ts';
import { RUNTIME_FLAGS } from '../app/launch.ts';
import { attack, failedRoutes, type LoadResult } from '../harness/load-driver.ts';
import { findSaturation } from '../harness/saturation.ts';
import { benchLimits, loadToolchainEnv, REPO_ROOT } from '../harness/project-env.ts';
import { Command, Option } from 'commander';
import { positiveInt, type RoundOptions, withRoundOptions } from '../harness/cli-options.ts';
import { poll } from '../harness/poll.ts';

loadToolchainEnv();
const opts = withRoundOptions(
  new Command('bench:overhead')
    .description('Telemetry overhead under an open-model load: highest sustained rate of each variant.')
    .addOption(
      new Option('--step-seconds <s>', 'seconds per rate step')
        .default(4)
        .argParser(positiveInt('--step-seconds')),
    )
    .addOption(
      new Option('--run-seconds <s>', 'seconds per latency run')
        .default(10)
        .argParser(positiveInt('--run-seconds')),
    )
    .addOption(
      new Option(
        '--runs <n>',
        'runs per variant at the fixed rate, at least (more until the CPU ratios are precise)',
      )
        .default(6)
        .argParser(positiveInt('--runs')),
    )
    .addOption(
      new Option('--start-rate <n>', 'first rate of the search, req/s')
        .default(100)
        .argParser(positiveInt('--start-rate')),
    )
    .addOption(
      new Option('--max-in-flight <n>', "the load driver's concurrency cap")
        .default(100)
        .argParser(positiveInt('--max-in-flight')),
    )
    .addOption(
      new Option('--mix <names>', 'trivial and/or default, comma-separated').default('trivial,default'),
    ),
  20,
)
  .parse()
  .opts<
    RoundOptions & {
      stepSeconds: number;
      runSeconds: number;
      runs: number;
      startRate: number;
      maxInFlight: number;
      mix: string;
    }
  >();
const STEP_SECONDS = opts.stepSeconds;
const RUN_SECONDS = opts.runSeconds;
const RUNS = opts.runs;
const START_RATE = opts.startRate;
const MAX_IN_FLIGHT = opts.maxInFlight;
const MIXES: Record<string, readonly MixEntry[]> = { trivial: [TRIVIAL], default: REQUEST_MIX };
const mixNames = opts.mix.split(',');
for (const m of mixNames) {
  if (!MIXES[m]) {
    console.error(`error: --mix takes trivial and/or default, got "${m}"`);
    process.exit(2);
  }
}
const VEGETA = join(process.env.CB_BIN_DIR ?? '', 'vegeta');
const PORT = 18490;
const SINK_PORT = 18431;
const settings: AppSettings = {
  cpus: benchLimits.cpus,
  memoryMib: benchLimits.memoryMib,
  otlpEndpoint: `http://127.0.0.1:${SINK_PORT}`,
  healthTimeoutMs: 30_000,
};
const variants: { name: string; env: Environment }[] = [
  {
    name: 'minimal node:http',
    env: nativeEnvironment(REPO_ROOT, settings, PORT, {
      // The app's runtime flags too, so that "off ÷ minimal" compares code, not GC policies.
      args: [...RUNTIME_FLAGS, 'bench/bare-http.ts'],
      env: { PORT: String(PORT) },
    }),
  },
  {
    name: 'app, telemetry off',
    env: nativeEnvironment(REPO_ROOT, settings, PORT, { ...APP_COMMAND, env: { OTEL_SDK_DISABLED: 'true' } }),
  },
  { name: 'app, full telemetry', env: nativeEnvironment(REPO_ROOT, settings, PORT) },
];

/** One latency run on a fresh process: the load's result and the server's CPU time per request sent. */
async function measure(
  v: (typeof variants)[number],
  mix: readonly MixEntry[],
  rate: number,
  seconds: number,
): Promise<{ result: LoadResult; cpuUsPerRequest: number }> {
  const started = await v.env.start();
  try {
    const url = started.paths[0]!.url;
    const cpu = () => {
      const s = started.cpuSeconds?.();
      if (s === undefined) throw new Error(`${v.name}: its CPU time cannot be read (/proc/PID/stat)`);
      return s;
    };
    await attack({
      vegeta: VEGETA,
      baseUrl: url,
      mix,
      rate,
      durationSeconds: 2,
      maxWorkers: MAX_IN_FLIGHT,
      timeoutSeconds: 10,
    });
    const before = cpu();
    const result = await attack({
      vegeta: VEGETA,
      baseUrl: url,
      mix,
      rate,
      durationSeconds: seconds,
      maxWorkers: MAX_IN_FLIGHT,
      timeoutSeconds: 10,
    });
    // Work still in progress when the load stops (held memory, fsyncs) finishes within the next moment;
    // the reading after the run includes it, as it belongs to the requests just sent.
    const cpuUsPerRequest = ((cpu() - before) * 1e6) / Math.max(1, result.sent);
    return { result, cpuUsPerRequest };
  } finally {
    await started.stop();
  }
}

/** The two comparisons of every reading: app without telemetry against the floor, full against off. */
const pairRatios = (values: (name: string) => number[], sign: string): Record<string, Summary> => ({
  [`app telemetry off ${sign} minimal node:http`]: ratioSummary(
    values('app, telemetry off'),
    values('minimal node:http'),
  ),
  [`app full telemetry ${sign} telemetry off`]: ratioSummary(
    values('app, full telemetry'),
    values('app, telemetry off'),
  ),
});

const line = (r: LoadResult) =>
  `p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, ${r.ok}/${r.expected} ok, dropped ${r.dropped}`;

/** One saturation search per variant on a fresh process; `previous` makes later rounds' searches short. */
async function sustainedRates(
  mix: readonly MixEntry[],
  round: number,
  previous: Map<string, number>,
): Promise<Map<string, number>> {
  const best = new Map<string, number>();
  for (const v of variants) {
    const started = await v.env.start();
    try {
      const last = previous.get(v.name);
      const { sustained } = await findSaturation({
        vegeta: VEGETA,
        baseUrl: started.paths[0]!.url,
        mix,
        startRate: last ? Math.max(1, Math.floor(last * 0.85)) : START_RATE,
        factor: last ? 1.08 : 1.5,
        stepSeconds: STEP_SECONDS,
        bisect: 2,
        maxWorkers: MAX_IN_FLIGHT,
        log: (rate, r, bad, repeat) =>
          console.log(
            `    ${String(rate).padStart(6)} req/s  ${v.name.padEnd(20)} ${line(r)}${repeat ? '  (repeated step)' : ''}${
              bad
                ? `  ← saturated ${JSON.stringify(r.statusCodes)}${failedRoutes(r)
                    .map((f) => ` ${f}`)
                    .join('')}`
                : ''
            }`,
          ),
      });
      best.set(v.name, sustained);
      console.log(`  round ${String(round).padStart(2)} ${v.name.padEnd(20)} sustains ${sustained} req/s`);
    } finally {
      await started.stop();
    }
  }
  return best;
}

console.log(`telemetry overhead, open model — ${new Date().toISOString()}`);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Node ${process.versions.node}; each server in a cgroup of ${settings.cpus} CPU / ${settings.memoryMib} MiB`,
);
console.log(
  `load: vegeta, constant arrival rate, ≤ ${MAX_IN_FLIGHT} in flight, 2 s warm-up per latency run discarded; a fresh process per search and run`,
);
console.log(
  `rounds: at least ${opts.minRounds}, until every ratio's 95 % interval is ≤ ${opts.ciWidth} wide (at most ${opts.maxRounds})`,
);
const sink = spawn(process.execPath, ['bench/otlp-sink.ts'], {
  cwd: REPO_ROOT,
  env: { PATH: process.env.PATH ?? '', PORT: String(SINK_PORT) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const summary: string[] = [];
try {
  await poll(
    () =>
      fetch(`http://127.0.0.1:${SINK_PORT}/`).then(
        () => true,
        () => undefined,
      ),
    { what: 'the OTLP sink', timeoutMs: 10_000, intervalMs: 20 },
  );
  for (const v of variants) {
    const why = await v.env.unavailable();
    if (why) throw new Error(`${v.name}: ${why}`);
  }
  for (const name of mixNames) {
    const mix = MIXES[name]!;
    console.log(
      `\n== ${name} (${mix.map((m) => m.route).join(', ')}): maximum sustainable rate, ${STEP_SECONDS} s per step`,
    );
    const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const of = (name: string) => rates.get(name)!;
    const ratios = () => pairRatios(of, '/');
    let last = new Map<string, number>();
    for (let round = 1; round <= opts.maxRounds; round++) {
      last = await sustainedRates(mix, round, last);
      for (const [name, rate] of last) of(name).push(rate);
      if (enoughRounds(round, Object.values(ratios()), opts)) break;
    }
    const medians = new Map(variants.map((v) => [v.name, summarize(of(v.name))]));
    const fixed = Math.max(1, Math.round(Math.min(...[...medians.values()].map((m) => m.median)) / 2));
    console.log(
      `== ${name}: at ${fixed} req/s, interleaved runs of ${RUN_SECONDS} s: p50/p99 and the server's CPU time per request, until the CPU ratios' intervals are ≤ ${opts.ciWidth} wide (at least ${RUNS} runs)`,
    );
    const lat = new Map<string, LoadResult[]>(variants.map((v) => [v.name, []]));
    const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const cpuOf = (name: string) => cpu.get(name)!;
    // What each request costs at the same rate: steady (no step decides it), and it says where the
    // CPU goes. It is not capacity: CPU per request falls as the rate rises (fewer wake-ups and
    // collections per request), by different amounts for different servers.
    const cpuRatios = () => pairRatios(cpuOf, '÷');
    // --runs is a floor: it is honoured even when larger than --max-rounds.
    for (let run = 1; run <= Math.max(opts.maxRounds, RUNS); run++) {
      for (const v of variants) {
        const { result, cpuUsPerRequest } = await measure(v, mix, fixed, RUN_SECONDS);
        lat.get(v.name)!.push(result);
        cpuOf(v.name).push(cpuUsPerRequest);
        console.log(
          `  run ${String(run).padStart(2)} ${v.name.padEnd(20)} ${line(result)}, CPU ${cpuUsPerRequest.toFixed(0)} µs/request`,
        );
      }
      if (run >= RUNS && enoughRounds(run, Object.values(cpuRatios()), opts)) break;
    }
    const runs = cpuOf(variants[0]!.name).length;
    summary.push(
      `\n${name}, after ${of(variants[0]!.name).length} rounds of search and ${runs} runs at ${fixed} req/s — median [95 % interval]`,
      `  ${'variant'.padEnd(22)}${'sustained req/s'.padStart(24)}${`CPU µs/request at ${fixed}/s`.padStart(28)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`,
    );
    for (const v of variants) {
      const rs = lat.get(v.name)!;
      summary.push(
        `  ${v.name.padEnd(22)}${formatSummary(medians.get(v.name)!, 0).padStart(24)}${formatSummary(
          summarize(cpuOf(v.name)),
          0,
        ).padStart(28)}${median(rs.map((r) => r.latencyMs.p50))
          .toFixed(2)
          .padStart(9)}${median(rs.map((r) => r.latencyMs.p99))
          .toFixed(2)
          .padStart(9)}`,
      );
    }
    const r = ratios();
    for (const [label, s] of Object.entries(r))
      summary.push(
        `  sustained rate, ${label.padEnd(40)} ${formatSummary(s)}${precise(s, opts.ciWidth) ? '' : `  (interval wider than ${opts.ciWidth})`}`,
      );
    for (const [label, s] of Object.entries(cpuRatios()))
      summary.push(
        `  CPU per request, ${label.padEnd(39)} ${formatSummary(s)}${precise(s, opts.ciWidth) ? '' : `  (interval wider than ${opts.ciWidth})`}`,
      );
    const target = name === 'trivial' ? 0.5 : 0.8;
    summary.push(
      `  target: full telemetry ≥ ${target}× telemetry off on ${name}: ${verdict(r['app full telemetry / telemetry off']!, target, 'at least')}`,
    );
    if (name === 'default')
      summary.push(
        `  target: app telemetry off ≥ 0.8× minimal node:http on default: ${verdict(r['app telemetry off / minimal node:http']!, 0.8, 'at least')}`,
      );
  }
  console.log(summary.join('\n'));
} finally {
  sink.kill('SIGTERM');
  await Promise.all(variants.map((v) => v.env.cleanup()));
}
