// What a refusal costs (prints measurements; it is not a test). Under overload every request the app
// refuses still costs CPU: Node reads it, parses it and writes the 503. That cost bounds how much of
// its capacity an instance keeps when offered several times what it can serve, whatever its admission
// rule. Two servers, each in the compared 1-CPU / 512 MiB cgroup, a fresh process per run:
//   - the floor: node:http answering everything with the app's prebuilt 503 (bench/bare-503.ts);
//   - the app (exporters off) with MAX_IN_FLIGHT=1 and one long request held, so that it refuses every
//     other request on its real path (admission control, metrics, the same answer).
// At each offered rate, interleaved runs until the ratio app ÷ floor has a 95 % interval no wider than
// --ci-width; then, given --capacity (the app's capacity: the rate at which its admitted work fills the
// CPU), the most the app can serve at 2× and 4× that rate when refusals cost that much
// (refusalGoodputBound, harness/saturation.ts; docs/reliability.md). The overload test's search stops at
// the first refusals, below the capacity: its rate is not this one.
// Usage: npm run bench:refusal -- [--rates 3000,6000] [--run-seconds 10] [--capacity 2100]
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { RUNTIME_FLAGS } from '../app/launch.ts';
import { positiveInt, positiveIntList, type RoundOptions, withRoundOptions } from '../harness/cli-options.ts';
import { type AppSettings, type Environment } from '../harness/environments/environment.ts';
import { APP_COMMAND, nativeEnvironment } from '../harness/environments/native.ts';
import { attack } from '../harness/load-driver.ts';
import { refusalGoodputBound } from '../harness/saturation.ts';
import { poll } from '../harness/poll.ts';
import { benchLimits, loadToolchainEnv, REPO_ROOT } from '../harness/project-env.ts';
import { enoughRounds, formatSummary, precise, ratioSummary, summarize } from '../harness/stats.ts';
import { TRIVIAL } from '../loadtests/lib/mix.ts';

loadToolchainEnv();
const opts = withRoundOptions(
  new Command('bench:refusal')
    .description('CPU per refused request: the app against a bare node:http 503, and the goodput bound.')
    .addOption(
      new Option('--rates <list>', 'offered rates, req/s, comma-separated')
        .default([3000, 6000])
        .argParser(positiveIntList('--rates')),
    )
    .addOption(
      new Option('--run-seconds <s>', 'seconds per run, after 3 s of warm-up')
        .default(10)
        .argParser(positiveInt('--run-seconds')),
    )
    .addOption(
      new Option(
        '--capacity <req/s>',
        "the app's capacity (req/s at which admitted work fills the CPU), for the goodput bound",
      ).argParser(positiveInt('--capacity')),
    ),
  12,
)
  .parse()
  .opts<RoundOptions & { rates: number[]; runSeconds: number; capacity?: number }>();

const VEGETA = join(process.env.CB_BIN_DIR ?? '', 'vegeta');
const PORT = 18492;
const MAX_IN_FLIGHT = 4000;
// How long the app's one admitted request lasts: past the run, within what DELAY_MAX_MS accepts (10 min).
// Should a run outlast it, the next hold starts at once and any request admitted between is reported.
const HOLD_MS = Math.min(600_000, (opts.runSeconds + 60) * 1000);
const settings: AppSettings = { ...benchLimits, otlpEndpoint: undefined, healthTimeoutMs: 30_000 };
const FLOOR = 'node:http 503';
const APP = 'app, refusing';
const variants: { name: string; env: Environment; hold: boolean }[] = [
  {
    name: FLOOR,
    env: nativeEnvironment(REPO_ROOT, settings, PORT, { args: [...RUNTIME_FLAGS, 'bench/bare-503.ts'] }),
    hold: false,
  },
  {
    name: APP,
    env: nativeEnvironment(REPO_ROOT, settings, PORT, {
      ...APP_COMMAND,
      env: { MAX_IN_FLIGHT: '1', DELAY_MAX_MS: String(HOLD_MS) },
    }),
    hold: true,
  },
];

/** One run on a fresh process: the server's CPU time per request sent, µs, and the answers. */
async function measure(v: (typeof variants)[number], rate: number) {
  const started = await v.env.start();
  const url = started.paths[0]!.url;
  const controller = new AbortController();
  let holding: Promise<void> | undefined;
  try {
    if (v.hold) {
      // The one request in flight, asked again should it end.
      holding = (async () => {
        while (!controller.signal.aborted)
          await fetch(`${url}/api/delay?ms=${HOLD_MS}`, {
            signal: controller.signal,
          }).then(
            (r) => r.arrayBuffer(),
            () => undefined,
          );
      })();
      await poll(async () => ((await fetch(`${url}/api/json?items=1`)).status === 503 ? true : undefined), {
        what: `${v.name}: refusing every request`,
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    }
    const load = (durationSeconds: number) =>
      attack({
        vegeta: VEGETA,
        baseUrl: url,
        mix: [TRIVIAL],
        rate,
        durationSeconds,
        maxWorkers: MAX_IN_FLIGHT,
        timeoutSeconds: 10,
      });
    await load(3);
    const cpu = () => {
      const s = started.cpuSeconds?.();
      if (s === undefined) throw new Error(`${v.name}: its CPU time cannot be read (/proc/PID/stat)`);
      return s;
    };
    const before = cpu();
    const result = await load(opts.runSeconds);
    const us = ((cpu() - before) * 1e6) / Math.max(1, result.sent);
    const others = result.sent - (result.statusCodes['503'] ?? 0);
    if (others > 0)
      throw new Error(
        `${v.name}: ${others} of ${result.sent} requests were not refused: ${JSON.stringify(result.statusCodes)}`,
      );
    return { us, p99: result.latencyMs.p99 };
  } finally {
    controller.abort();
    await started.stop();
    await holding;
  }
}

console.log(`refusal cost — ${new Date().toISOString()}`);
console.log(
  `each server in a cgroup of ${settings.cpus} CPU / ${settings.memoryMib} MiB; vegeta, constant rate, ${TRIVIAL.method} ${TRIVIAL.route}?${TRIVIAL.query}, 3 s warm-up then ${opts.runSeconds} s`,
);
try {
  for (const v of variants) {
    const why = await v.env.unavailable();
    if (why) throw new Error(`${v.name}: ${why}`);
  }
  const summary: string[] = [];
  let appCost: ReturnType<typeof summarize> | undefined;
  for (const rate of opts.rates) {
    const us = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const ratio = () => ratioSummary(us.get(APP)!, us.get(FLOOR)!);
    for (let round = 1; round <= opts.maxRounds; round++) {
      for (const v of round % 2 ? variants : [...variants].reverse()) {
        const { us: cost, p99 } = await measure(v, rate);
        us.get(v.name)!.push(cost);
        console.log(
          `  ${rate} req/s round ${String(round).padStart(2)} ${v.name.padEnd(15)} ${cost.toFixed(1)} µs/request, p99 ${p99.toFixed(1)} ms`,
        );
      }
      if (enoughRounds(round, [ratio()], opts)) break;
    }
    const r = ratio();
    appCost = summarize(us.get(APP)!);
    summary.push(
      `  ${String(rate).padStart(6)} req/s  ${FLOOR} ${formatSummary(summarize(us.get(FLOOR)!), 1, ' µs')}  ${APP} ${formatSummary(appCost, 1, ' µs')}  app ÷ floor ${formatSummary(r)}${precise(r, opts.ciWidth) ? '' : `  (interval wider than ${opts.ciWidth})`}`,
    );
  }
  console.log(`\nCPU per refused request — median [95 % interval]\n${summary.join('\n')}`);
  if (opts.capacity && appCost) {
    const s = opts.capacity;
    const cost = appCost;
    const pct = (c: number, k: number) => (refusalGoodputBound(s, c, k) * 100).toFixed(0);
    // The costlier end of the refusal's interval gives the lower end of the bound's.
    const at = (k: number) => `${pct(cost.median, k)} % [${pct(cost.high, k)}, ${pct(cost.low, k)}]`;
    console.log(
      `goodput bound with the app's refusal cost at ${opts.rates.at(-1)} req/s, capacity ${s} req/s: at 2× ${at(2)} of it, at 4× ${at(4)}`,
    );
  }
} finally {
  await Promise.all(variants.map((v) => v.env.cleanup()));
}
