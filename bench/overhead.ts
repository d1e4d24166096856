// Telemetry-overhead benchmark (prints measurements; it is not a test). In one run on one machine:
// throughput and p99 of bare Express, of the app with telemetry off and with full telemetry on the same
// trivial JSON route; RSS under load and idle; process start → first 200 on /ready (median of N starts).
// Usage: npm run bench:app -- [--duration 10] [--connections 10] [--rounds 3] [--starts 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { median } from 'simple-statistics';
import { Command, Option } from 'commander';
import { APP_NODE_OPTIONS, REPO_LAUNCH_ARGS } from '../app/launch.ts';
import { positiveInt, positiveNumber } from '../harness/cli-options.ts';
import { poll } from '../harness/poll.ts';

const repo = resolve(import.meta.dirname, '..');
const opts = new Command('bench:app')
  .description(
    'Telemetry overhead, closed model (autocannon): throughput, latency and start-up of each variant.',
  )
  .addOption(
    new Option('--duration <s>', 'seconds per measured run')
      .default(10)
      .argParser(positiveNumber('--duration')),
  )
  .addOption(
    new Option('--warmup <s>', 'seconds of discarded warm-up')
      .default(3)
      .argParser(positiveNumber('--warmup')),
  )
  .addOption(
    new Option('--connections <n>', 'concurrent connections')
      .default(10)
      .argParser(positiveInt('--connections')),
  )
  .addOption(new Option('--rounds <n>', 'interleaved rounds').default(3).argParser(positiveInt('--rounds')))
  .addOption(
    new Option('--starts <n>', 'start-up measurements per variant')
      .default(10)
      .argParser(positiveInt('--starts')),
  )
  .addOption(new Option('--route <path>', 'the route measured').default('/api/json?items=1'))
  .parse()
  .opts<{
    duration: number;
    warmup: number;
    connections: number;
    rounds: number;
    starts: number;
    route: string;
  }>();
const DURATION = opts.duration;
const WARMUP = opts.warmup;
const CONNECTIONS = opts.connections;
const ROUNDS = opts.rounds;
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
// The app variants run exactly as `npm start` and the image do (same NODE_OPTIONS and compile cache);
// APP_NODE_OPTIONS overrides it (e.g. APP_NODE_OPTIONS= measures V8's default heap sizing).
const common = {
  PORT: String(APP_PORT),
  HOST: '127.0.0.1',
  APP_ENVIRONMENT: 'native',
  NODE_OPTIONS: process.env.APP_NODE_OPTIONS ?? APP_NODE_OPTIONS,
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

function start(variant: Variant): ChildProcess {
  return spawn(process.execPath, variant.argv, {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', ...variant.env },
    stdio: ['ignore', 'ignore', 'inherit'], // stdout (the JSON logs) goes to /dev/null, as a log driver would take it
  });
}

async function untilReady(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  await poll(async () => ((await fetch(url)).status === 200 ? true : undefined), {
    what: `${url} ready`,
    timeoutMs,
    intervalMs: 2,
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

async function readyTimes(variant: Variant): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const child = start(variant);
    try {
      await untilReady(`http://127.0.0.1:${APP_PORT}/ready`, child);
      times.push(performance.now() - t0);
    } finally {
      await stop(child);
    }
  }
  return times;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(9);

console.log(`telemetry overhead benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Node ${process.versions.node}`);
console.log(
  `load: autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up discarded, ${DURATION} s measured, ${ROUNDS} interleaved rounds; route ${ROUTE}`,
);
console.log(`app NODE_OPTIONS: ${common.NODE_OPTIONS || '(none)'}`);
console.log(
  `OTLP receiver for "full telemetry": a discard-all OTLP/HTTP sink on 127.0.0.1:${SINK_PORT} (bench/otlp-sink.ts)`,
);

const sink = spawn(process.execPath, ['bench/otlp-sink.ts'], {
  cwd: repo,
  env: { PATH: process.env.PATH ?? '', PORT: String(SINK_PORT) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  await sleep(500);
  const runs = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of variants) {
      const run = await measure(variant);
      runs.get(variant.name)!.push(run);
      console.log(
        `  round ${round} ${variant.name.padEnd(20)} ${run.rps.toFixed(0)} req/s, p99 ${run.p99} ms, errors ${run.errors}`,
      );
    }
  }
  const summary = variants.map((v) => {
    const r = runs.get(v.name)!;
    return {
      name: v.name,
      rps: median(r.map((x) => x.rps)),
      p99: median(r.map((x) => x.p99)),
      errors: r.reduce((s, x) => s + x.errors, 0),
      rssLoad: Math.max(...r.map((x) => x.rssLoad)),
      rssIdle: median(r.map((x) => x.rssIdle)),
    };
  });
  const bare = summary[0]!.rps;
  console.log('\nvariant                 req/s   p99 ms  × bare  RSS load MiB  RSS idle MiB  errors');
  for (const s of summary) {
    console.log(
      `${s.name.padEnd(20)}${fmt(s.rps)}${fmt(s.p99, 1)}${fmt(s.rps / bare, 2)}${fmt(s.rssLoad, 0).padStart(14)}${fmt(s.rssIdle, 0).padStart(14)}${String(s.errors).padStart(8)}`,
    );
  }
  const full = summary[2]!;
  const ready = await readyTimes(variants[2]!);
  const readyMedian = median(ready);
  console.log(
    `\nstart → first 200 on /ready (full telemetry, ${STARTS} starts): median ${readyMedian.toFixed(0)} ms, min ${Math.min(...ready).toFixed(0)}, max ${Math.max(...ready).toFixed(0)}`,
  );
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('\ntargets:');
  console.log(
    `  full telemetry ≥ 0.5× bare Express: ${(full.rps / bare).toFixed(2)}× — ${verdict(full.rps / bare >= 0.5)}`,
  );
  console.log(`  RSS under load ≤ 150 MiB: ${full.rssLoad.toFixed(0)} MiB — ${verdict(full.rssLoad <= 150)}`);
  console.log(`  idle RSS < 100 MiB: ${full.rssIdle.toFixed(0)} MiB — ${verdict(full.rssIdle < 100)}`);
  console.log(`  ready ≤ 300 ms: ${readyMedian.toFixed(0)} ms — ${verdict(readyMedian <= 300)}`);
} finally {
  sink.kill('SIGTERM');
}
