// Telemetry-overhead benchmark, closed model (prints measurements; it is not a test). Bare Express, the
// app with telemetry off and the app with full telemetry serve the same trivial JSON route, one after
// the other in interleaved rounds; rounds repeat until every throughput ratio has a 95 % confidence
// interval no wider than --ci-width (order statistics of the per-round ratios). Then RSS under load and
// idle, process start → first 200 on /ready (≥ 20 starts) and, where Docker runs, `docker run` → first
// 200 on /health of the app image. A target is met only when its whole interval is on the right side.
// Usage: npm run bench:app -- [--duration 5] [--min-rounds 6] [--max-rounds 30] [--starts 20]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Command, Option } from 'commander';
import { APP_GLIBC_TUNABLES, APP_NODE_OPTIONS, REPO_LAUNCH_ARGS } from '../app/launch.ts';
import { positiveInt, positiveNumber, type RoundOptions, withRoundOptions } from '../harness/cli-options.ts';
import { containerEnvironment } from '../harness/environments/container.ts';
import { assertPortFree, freePort } from '../harness/ports.ts';
import { appImage, benchLimits } from '../harness/project-env.ts';
import { readStatus } from '../harness/app-probe.ts';
import { poll } from '../harness/poll.ts';
import {
  enoughRounds,
  formatSummary,
  precise,
  ratioSummary,
  summarize,
  verdict,
  type Summary,
} from '../harness/stats.ts';

const repo = resolve(import.meta.dirname, '..');
const opts = withRoundOptions(
  new Command('bench:app')
    .description(
      'Telemetry overhead, closed model (autocannon): throughput, latency and start-up of each variant.',
    )
    .addOption(
      new Option('--duration <s>', 'seconds per measured run')
        .default(5)
        .argParser(positiveNumber('--duration')),
    )
    .addOption(
      new Option('--warmup <s>', 'seconds of discarded warm-up')
        .default(2)
        .argParser(positiveNumber('--warmup')),
    )
    .addOption(
      new Option('--connections <n>', 'concurrent connections')
        .default(10)
        .argParser(positiveInt('--connections')),
    )
    .addOption(
      new Option('--starts <n>', 'start-up measurements (process and container)')
        .default(20)
        .argParser(positiveInt('--starts')),
    )
    .addOption(new Option('--no-container', 'skip the container start-up measurement'))
    .addOption(new Option('--route <path>', 'the route measured').default('/api/json?items=1')),
  30,
)
  .parse()
  .opts<
    RoundOptions & {
      duration: number;
      warmup: number;
      connections: number;
      starts: number;
      container: boolean;
      route: string;
    }
  >();
const DURATION = opts.duration;
const WARMUP = opts.warmup;
const CONNECTIONS = opts.connections;
const STARTS = opts.starts;
const ROUTE = opts.route;
const APP_PORT = 18480;
const SINK_PORT = 18431;

interface Variant {
  readonly name: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
}

const appArgv = REPO_LAUNCH_ARGS;
// The app variants run exactly as `npm start` and the image do (same NODE_OPTIONS, GLIBC_TUNABLES and
// compile cache); APP_NODE_OPTIONS overrides NODE_OPTIONS (APP_NODE_OPTIONS= measures V8's default heap
// sizing).
const common = {
  PORT: String(APP_PORT),
  HOST: '127.0.0.1',
  APP_ENVIRONMENT: 'native',
  NODE_OPTIONS: process.env.APP_NODE_OPTIONS ?? APP_NODE_OPTIONS,
  GLIBC_TUNABLES: APP_GLIBC_TUNABLES,
  NODE_COMPILE_CACHE: resolve(repo, 'node_modules/.cache/node-compile'),
};
const variants: Variant[] = [
  { name: 'bare Express', argv: ['bench/bare-express.ts'], env: { PORT: String(APP_PORT) } },
  { name: 'app, telemetry off', argv: appArgv, env: { ...common, OTEL_SDK_DISABLED: 'true' } },
  {
    name: 'app, full telemetry',
    argv: appArgv,
    env: { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${SINK_PORT}` },
  },
];

/** Every process this benchmark started and that still runs: a Ctrl-C or kill stops them too. */
const children = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    console.log(`\n${signal}: stopped the ${children.size} processes this benchmark had started`);
    process.exit(130);
  });

function start(variant: Variant): ChildProcess {
  const child = spawn(process.execPath, variant.argv, {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', ...variant.env },
    stdio: ['ignore', 'ignore', 'inherit'], // stdout (the JSON logs) goes to /dev/null, as a log driver would take it
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function untilReady(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  await poll(async () => ((await fetch(url)).status === 200 ? true : undefined), {
    what: `${url} ready`,
    timeoutMs,
    // Every 10 ms: polling every 2 ms kept a core busy with fetch while the app started on the other,
    // and the app's own clock read 223 ms [209, 230] against 201 [198, 205] (2026-12-03).
    intervalMs: 10,
    abortIf: () =>
      child.exitCode !== null ? `process exited with ${child.exitCode} before ready` : undefined,
  });
  return performance.now() - t0;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(8000).then(() => child.kill('SIGKILL'))]);
}

const rssMiB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

interface Run {
  rps: number;
  p99: number;
  errors: number;
  rssLoad: number;
  rssIdle: number;
}

async function measure(variant: Variant): Promise<Run> {
  const child = start(variant);
  try {
    await untilReady(`http://127.0.0.1:${APP_PORT}/ready`, child);
    await sleep(1000);
    const rssIdle = rssMiB(child.pid!);
    const url = `http://127.0.0.1:${APP_PORT}${ROUTE}`;
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP });
    let rssLoad = 0;
    const sampler = setInterval(() => (rssLoad = Math.max(rssLoad, rssMiB(child.pid!))), 200);
    const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
    clearInterval(sampler);
    return {
      rps: result.requests.average,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      rssLoad,
      rssIdle,
    };
  } finally {
    await stop(child);
  }
}

console.log(`telemetry overhead benchmark (closed model) — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Node ${process.versions.node}`);
console.log(
  `load: autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up discarded, ${DURATION} s measured per run; route ${ROUTE}`,
);
console.log(
  `rounds: interleaved (bare, off, full), at least ${opts.minRounds}, until every ratio's 95 % interval is ≤ ${opts.ciWidth} wide (at most ${opts.maxRounds})`,
);
console.log(`app NODE_OPTIONS: ${common.NODE_OPTIONS || '(none)'}`);
console.log(
  `OTLP receiver for "full telemetry": a discard-all OTLP/HTTP sink on 127.0.0.1:${SINK_PORT} (bench/otlp-sink.ts)`,
);

// A copy left by an earlier run would be measured instead of the one started here.
await Promise.all([
  assertPortFree(APP_PORT, 'the measured server'),
  assertPortFree(SINK_PORT, 'the OTLP sink'),
]).catch((error: unknown) => {
  console.error(`bench:app: ${(error as Error).message}`);
  process.exit(1);
});
const sink = start({ name: 'OTLP sink', argv: ['bench/otlp-sink.ts'], env: { PORT: String(SINK_PORT) } });
const [bare, off, full] = variants.map((v) => v.name) as [string, string, string];
const line = (label: string, s: Summary, target: string) =>
  console.log(`  ${label.padEnd(44)} ${formatSummary(s).padEnd(22)} ${target}`);
try {
  await untilReady(`http://127.0.0.1:${SINK_PORT}/`, sink).catch(() => undefined);
  const runs = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
  const rps = (name: string) => runs.get(name)!.map((r) => r.rps);
  const ratios = () => ({
    'full telemetry / bare Express': ratioSummary(rps(full), rps(bare)),
    'telemetry off / bare Express': ratioSummary(rps(off), rps(bare)),
    'full telemetry / telemetry off': ratioSummary(rps(full), rps(off)),
  });
  for (let round = 1; round <= opts.maxRounds; round++) {
    for (const variant of variants) {
      const run = await measure(variant);
      runs.get(variant.name)!.push(run);
      console.log(
        `  round ${String(round).padStart(2)} ${variant.name.padEnd(20)} ${run.rps.toFixed(0)} req/s, p99 ${run.p99} ms, errors ${run.errors}, RSS load ${run.rssLoad.toFixed(0)} / idle ${run.rssIdle.toFixed(0)} MiB`,
      );
    }
    if (enoughRounds(round, Object.values(ratios()), opts)) break;
  }
  const rounds = runs.get(full)!.length;
  const r = ratios();
  console.log(`\nafter ${rounds} rounds — median [95 % interval]:`);
  for (const v of variants) line(`${v.name}, req/s`, summarize(rps(v.name)), '');
  for (const [name, s] of Object.entries(r))
    line(name, s, precise(s, opts.ciWidth) ? '' : `(interval wider than ${opts.ciWidth})`);
  const rssLoad = summarize(runs.get(full)!.map((x) => x.rssLoad));
  const rssIdle = summarize(runs.get(full)!.map((x) => x.rssIdle));

  // Start-up: the full-telemetry app and bare Express, interleaved, from spawn to the first 200 on /ready
  // (what a supervisor sees: the spawn and the poller's own latency included), and for the app also
  // by its own clock, process start → ready (performance.now() when it marks itself ready, /status).
  const ready = { app: [] as number[], own: [] as number[], bare: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    const app = await readyTime(variants[2]!, true);
    ready.app.push(app.ms);
    ready.own.push(app.ownMs!);
    ready.bare.push((await readyTime(variants[0]!, false)).ms);
  }
  const readyApp = summarize(ready.app);
  const readyOwn = summarize(ready.own);
  line(`spawn → first 200 on /ready, app (${STARTS} starts), ms`, readyApp, '');
  line(`spawn → first 200 on /ready, bare Express, ms`, summarize(ready.bare), '');
  line(`process start → ready, app's own clock, ms`, readyOwn, '');
  const container = opts.container ? await containerStarts() : undefined;
  if (container) line(`docker run → first 200 on /health (${STARTS} runs), ms`, container, '');

  console.log('\ntargets (met only when the whole interval is on the right side):');
  const t = (what: string, s: Summary, target: number, want: 'at least' | 'at most' | 'below', unit = '') =>
    console.log(`  ${what}: ${formatSummary(s, unit ? 0 : 2, unit)} — ${verdict(s, target, want)}`);
  t('full telemetry ≥ 0.5× bare Express', r['full telemetry / bare Express'], 0.5, 'at least');
  t('RSS under load ≤ 150 MiB', rssLoad, 150, 'at most', ' MiB');
  t('idle RSS < 80 MiB', rssIdle, 80, 'below', ' MiB');
  t("process start → ready ≤ 200 ms (the app's own clock)", readyOwn, 200, 'at most', ' ms');
  t('… and seen from outside, spawn → first 200 on /ready ≤ 200 ms', readyApp, 200, 'at most', ' ms');
  if (container) t('container docker run → first 200 ≤ 400 ms', container, 400, 'at most', ' ms');
  else console.log('  container docker run → first 200 ≤ 400 ms: not measured (--no-container)');
} finally {
  sink.kill('SIGTERM');
}

async function readyTime(variant: Variant, own: boolean): Promise<{ ms: number; ownMs?: number }> {
  const t0 = performance.now();
  const child = start(variant);
  try {
    await untilReady(`http://127.0.0.1:${APP_PORT}/ready`, child);
    const ms = performance.now() - t0;
    if (!own) return { ms };
    const seconds = (await readStatus(`http://127.0.0.1:${APP_PORT}`)).startup_duration_seconds;
    if (seconds === undefined) throw new Error(`${variant.name}: /status has no startup_duration_seconds`);
    return { ms, ownMs: seconds * 1000 };
  } finally {
    await stop(child);
  }
}

/** `docker run` of the app image (the compared limits, no OTLP endpoint) → first 200 on /health. */
async function containerStarts(): Promise<Summary | undefined> {
  const env = containerEnvironment(
    appImage(),
    { ...benchLimits, otlpEndpoint: undefined, healthTimeoutMs: 30_000 },
    await freePort(),
  );
  const why = await env.unavailable();
  if (why) {
    console.log(`  docker run → first 200: not measured: ${why}`);
    return undefined;
  }
  const times: number[] = [];
  try {
    for (let i = 0; i < STARTS; i++) {
      const started = await env.start();
      times.push(started.startupMs!);
      await started.stop();
    }
  } finally {
    await env.cleanup();
  }
  return summarize(times);
}
