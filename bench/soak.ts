// Soak benchmark (prints measurements; it is not a test): one copy of the app, in the compared limits
// (1 CPU, 512 MiB), under the default request mix at half its saturation rate for --minutes (default
// 30), in one-minute runs back to back. Per minute: requests, failures, drops, p99 and the largest RSS.
// Targets: zero errors; RSS growth under 5 % from the warmed-up start (median of minutes
// 3–5) to the end (median of the last three minutes).
// Usage: npm run bench:soak -- [--minutes 30] [--environment native|container] [--rate N]
import { median } from 'simple-statistics';
import { REQUEST_MIX } from '../loadtests/lib/mix.ts';
import { watchResources } from '../harness/app-probe.ts';
import { containerEnvironment } from '../harness/environments/container.ts';
import type { AppSettings } from '../harness/environments/environment.ts';
import { nativeEnvironment } from '../harness/environments/native.ts';
import { attack, failedRoutes } from '../harness/load-driver.ts';
import { findSaturation } from '../harness/saturation.ts';
import { appImage, benchLimits, loadToolchainEnv, REPO_ROOT } from '../harness/project-env.ts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { positiveInt } from '../harness/cli-options.ts';

loadToolchainEnv();
const args = new Command('bench:soak')
  .description('Soak: one copy of the app at half its saturation rate for a long time; drift and failures.')
  .addOption(
    new Option('--minutes <n>', 'length of the soak (at least 6)').default(30).argParser((raw) => {
      const n = positiveInt('--minutes')(raw);
      if (n < 6) throw new InvalidArgumentError(`--minutes must be a whole number ≥ 6, got "${raw}"`);
      return n;
    }),
  )
  .addOption(
    new Option('--environment <name>', 'which copy').choices(['native', 'container']).default('native'),
  )
  .addOption(
    new Option('--rate <n>', 'req/s (default: half the saturation rate, found first)').argParser(
      positiveInt('--rate'),
    ),
  )
  .addOption(new Option('--image <name>', 'the app image for the container').default(appImage()))
  .parse()
  .opts<{ minutes: number; environment: 'native' | 'container'; rate?: number; image: string }>();
const MINUTES = args.minutes;
const fail = (message: string): never => {
  console.error(`error: ${message}`);
  process.exit(2);
};
const VEGETA = `${process.env.CB_BIN_DIR ?? ''}/vegeta`;
const settings: AppSettings = {
  cpus: benchLimits.cpus,
  memoryMib: benchLimits.memoryMib,
  otlpEndpoint: undefined,
  healthTimeoutMs: 30_000,
};
const env =
  args.environment === 'native'
    ? nativeEnvironment(REPO_ROOT, settings, 18590)
    : containerEnvironment(args.image, settings, 18591);

const t0 = performance.now();
const stamp = () => `[${((performance.now() - t0) / 60_000).toFixed(1).padStart(5)} min]`;
const why = await env.unavailable();
if (why) fail(`${env.name}: ${why}`);
const started = await env.start();
const url = started.paths[0]!.url;
let stopping = false;
// Ctrl-C or a kill: finish the minute, print the summary and stop the app (never leave it running).
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    stopping = true;
    console.log(`${signal}: finishing this minute, then the summary`);
  });
try {
  console.log(
    `soak — ${new Date().toISOString()}; ${env.name} at ${url}, ${settings.cpus} CPU / ${settings.memoryMib} MiB`,
  );
  let rate = Number(args.rate ?? 0);
  if (!rate) {
    const sat = await findSaturation({
      vegeta: VEGETA,
      baseUrl: url,
      mix: REQUEST_MIX,
      startRate: 25,
      maxWorkers: 200,
      log: (r, res, bad, repeat) =>
        console.log(
          `${stamp()} saturation search ${r} req/s${repeat ? ' (repeated)' : ''}: ${res.ok}/${res.expected} ok, dropped ${res.dropped}${bad ? ' ← saturated' : ''}`,
        ),
    });
    rate = Math.max(1, Math.floor(sat.sustained / 2));
    console.log(
      `${stamp()} sustained ${sat.sustained} req/s; soaking at half: ${rate} req/s for ${MINUTES} min`,
    );
  }
  const minutes: { rss: number; failed: number; dropped: number; p99: number; sent: number }[] = [];
  for (let m = 1; m <= MINUTES && !stopping; m++) {
    const watcher = watchResources(url, 5000);
    const r = await attack({
      vegeta: VEGETA,
      baseUrl: url,
      mix: REQUEST_MIX,
      rate,
      durationSeconds: 60,
      maxWorkers: Math.max(200, rate * 2),
      timeoutSeconds: 10,
    });
    const res = await watcher.stop();
    minutes.push({
      rss: res?.rssMaxMiB ?? Number.NaN,
      failed: r.failed,
      dropped: r.dropped,
      p99: r.latencyMs.p99,
      sent: r.sent,
    });
    // Which failures, when there are any: status codes and the load driver's error texts.
    const why =
      r.failed > 0
        ? ` — status codes ${JSON.stringify(r.statusCodes)}, by route ${failedRoutes(r).join('; ')}, no answer ${JSON.stringify(r.breakdown?.transport)}, errors ${JSON.stringify(r.errors.slice(0, 3))}`
        : '';
    console.log(
      `${stamp()} minute ${m}: ${r.ok}/${r.expected} ok, failed ${r.failed}, dropped ${r.dropped}, p99 ${r.latencyMs.p99.toFixed(1)} ms, RSS max ${res?.rssMaxMiB.toFixed(1) ?? '?'} MiB, CPU ${res?.cpuCores.toFixed(2) ?? '?'}${why}`,
    );
  }
  if (minutes.length < 6)
    fail(`only ${minutes.length} minutes ran; at least 6 are needed for a start and an end`);
  const startRss = median(minutes.slice(2, 5).map((x) => x.rss));
  const endRss = median(minutes.slice(-3).map((x) => x.rss));
  const growth = ((endRss - startRss) / startRss) * 100;
  const errors = minutes.reduce((a, x) => a + x.failed + x.dropped, 0);
  const sent = minutes.reduce((a, x) => a + x.sent, 0);
  console.log(`\nsoak summary: ${minutes.length} min at ${rate} req/s, ${sent} requests`);
  console.log(
    `  RSS (MiB): minutes 3–5 median ${startRss.toFixed(1)} → last 3 median ${endRss.toFixed(1)}: ${growth >= 0 ? '+' : ''}${growth.toFixed(2)} % — target < 5 %: ${growth < 5 ? 'met' : 'NOT met'}`,
  );
  console.log(`  errors (failed + dropped): ${errors} — target 0: ${errors === 0 ? 'met' : 'NOT met'}`);
  console.log(
    `  p99 per minute (ms): first ${minutes[0]!.p99.toFixed(1)}, median ${median(minutes.map((x) => x.p99)).toFixed(1)}, last ${minutes.at(-1)!.p99.toFixed(1)}`,
  );
} finally {
  await started.stop();
  await env.cleanup();
}
