// Stack benchmark (prints measurements; it is not a test), on the services that run on this machine:
//   1. `docker compose up -d --wait` with the images present → every service healthy, in seconds, repeated
//      (--ups, each from a stack taken down with its volumes): median [95 % CI] against the 10 s target;
//   2. the stack's idle memory: the sum of its containers' memory use after a quiet period;
//   3. telemetry completeness at a steady rate: requests sent vs requests counted by Prometheus, traces
//      stored in Jaeger, and access-log records accepted by the Collector (Loki cannot run here,
//      it is AGPL-licensed), each as a fraction of requests sent.
// Usage: npm run bench:stack -- [--ups 10] [--rate 200] [--duration 60] [--idle 20]
// Uses the test stack's project, ports and local images (harness/stack.ts).
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { positiveInt, positiveNumber } from '../harness/cli-options.ts';
import { formatSummary, summarize, verdict } from '../harness/stats.ts';
import {
  COMPOSE_DIR,
  downStack,
  jaegerTraces,
  PROJECT,
  promScalar,
  RUNNABLE_SERVICES,
  settle,
  stackEnvironment,
  URLS,
} from '../harness/stack.ts';

const opts = new Command('bench:stack')
  .description('Stack benchmark: start-up to healthy, idle memory, telemetry completeness at a steady rate.')
  .addOption(
    new Option('--ups <n>', 'start-ups to healthy measured (6 or more give a 95 % interval)')
      .default(10)
      .argParser(positiveInt('--ups')),
  )
  .addOption(new Option('--rate <n>', 'requests per second').default(200).argParser(positiveNumber('--rate')))
  .addOption(
    new Option('--duration <s>', 'seconds of load').default(60).argParser(positiveNumber('--duration')),
  )
  .addOption(
    new Option('--idle <s>', 'seconds of quiet before the memory reading')
      .default(20)
      .argParser(positiveNumber('--idle')),
  )
  .parse()
  .opts<{ ups: number; rate: number; duration: number; idle: number }>();
const RATE = opts.rate;
const DURATION = opts.duration;
const IDLE = opts.idle;
const ROUTE = '/api/json';
const env = { ...process.env, ...stackEnvironment() };

function compose(...cmd: string[]): string {
  // Compose's progress lines (stderr) are dropped; on failure they are in the thrown error.
  return execFileSync('docker', ['compose', '-p', PROJECT, '--profile', 'host', ...cmd], {
    cwd: COMPOSE_DIR,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * An open-loop load at a fixed rate: request i starts at t0 + i/rate whether or not earlier ones have
 * answered, and every request is awaited before counting, so `sent` is exact (a load tool that stops
 * at a deadline leaves requests in flight and uncounted).
 */
async function sendAtRate(url: string, rate: number, seconds: number) {
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending: Promise<string | undefined>[] = [];
  let maxLagMs = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    const at = `${((due - t0) / 1000).toFixed(2)} s`;
    // Each failure is kept with what the client saw (status or transport cause) and when it was sent.
    pending.push(
      fetch(url).then(
        async (res) => {
          await res.arrayBuffer();
          return res.ok
            ? undefined
            : `${at}: HTTP ${res.status}${res.headers.has('retry-after') ? ' (Retry-After)' : ''}`;
        },
        (error: unknown) => `${at}: ${failureCause(error)}`,
      ),
    );
  }
  const failures = (await Promise.all(pending)).filter((f): f is string => f !== undefined);
  return { sent: total, failures, maxLagMs };
}

/** fetch's error names its cause (a socket error's code) one level down. */
function failureCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}

/** Bytes from docker stats' "12.3MiB / 512MiB" memory column. */
function parseBytes(text: string): number {
  const m = /^([\d.]+)\s*([KMG]i?B|B)/.exec(text.trim());
  if (!m) throw new Error(`cannot read a memory size from "${text}"`);
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 }[m[2]!] ?? NaN;
  return Number(m[1]) * unit;
}

function line(label: string, value: string, target?: string): void {
  console.log(`${label.padEnd(46)} ${value.padStart(14)}${target ? `   target ${target}` : ''}`);
}

console.log(
  `stack benchmark: services ${RUNNABLE_SERVICES.join(', ')} (Loki, Grafana, cAdvisor cannot run here)`,
);
try {
  // 1. Start-up, images present: containers created and started, then every health check passing; each
  // from nothing (containers and volumes removed). The last one stays up for the rest.
  const ups: number[] = [];
  for (let i = 1; i <= opts.ups; i++) {
    downStack();
    const t0 = performance.now();
    compose('up', '-d', '--wait', '--wait-timeout', '180', ...RUNNABLE_SERVICES);
    ups.push((performance.now() - t0) / 1000);
    console.log(`  up ${i}/${opts.ups}: all healthy in ${ups.at(-1)!.toFixed(1)} s`);
  }
  const startup = summarize(ups);

  // 2. Idle memory, after the services have settled.
  await sleep(IDLE * 1000);
  const stats = execFileSync(
    'docker',
    [
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}}\t{{.MemUsage}}',
      ...compose('ps', '-q').trim().split('\n'),
    ],
    { encoding: 'utf8' },
  );
  const perContainer = stats
    .trim()
    .split('\n')
    .map((l) => l.split('\t') as [string, string])
    .map(([name, usage]) => [name, parseBytes(usage.split('/')[0]!)] as const);
  const idleBytes = perContainer.reduce((sum, [, b]) => sum + b, 0);

  // 3. Completeness at a steady rate.
  console.log(`sending ${RATE} req/s to ${ROUTE} for ${DURATION} s ...`);
  const { sent, failures, maxLagMs } = await sendAtRate(`${URLS.app}${ROUTE}?items=2`, RATE, DURATION);
  // Wait for each backend to catch up (or time out), then report what it holds.
  const countQuery = `sum(http_server_request_duration_seconds_count{environment="container",route="${ROUTE}"})`;
  const { last: counted } = await settle(
    () => promScalar(countQuery),
    (v) => v === sent,
    30_000,
  );
  const { last: traces } = await settle(
    async () => (await jaegerTraces('cloud-benchmark', `GET ${ROUTE}`, sent * 2)).length,
    (n) => n >= sent,
    60_000,
  );
  // Access-log records: the app logs one per request, plus a few start-up lines; the Collector's count of
  // accepted records equals what the app exported when nothing is lost.
  const appLogs = `sum(telemetry_export_items_total{environment="container",signal="logs",outcome="success"})`;
  const { last: logs = [undefined, undefined] } = await settle(
    async () => [
      await promScalar(appLogs),
      await promScalar('sum(otelcol_receiver_accepted_log_records_total{job="otel-collector"})'),
    ],
    ([a, c]) => a !== undefined && a >= sent && a === c,
    30_000,
  );

  console.log('');
  line(
    `compose up -d --wait → all healthy (${opts.ups} ups)`,
    formatSummary(startup, 1, ' s'),
    `≤ 10 s: ${verdict(startup, 10, 'at most')}`,
  );
  line('idle memory, sum of container usage', `${(idleBytes / 1024 ** 2).toFixed(0)} MiB`, '≤ 1024 MiB');
  for (const [name, b] of perContainer) line(`  ${name}`, `${(b / 1024 ** 2).toFixed(0)} MiB`);
  line(`requests sent at ${RATE}/s for ${DURATION} s`, String(sent));
  line('requests failed', String(failures.length), '0');
  for (const f of failures.slice(0, 20)) console.log(`  failed at ${f}`);
  if (failures.length > 20) console.log(`  … and ${failures.length - 20} more`);
  line('worst start delay vs schedule (open loop)', `${maxLagMs.toFixed(1)} ms`);
  const pct = (n: number | undefined) => `${(((n ?? 0) / sent) * 100).toFixed(2)} %`;
  line('counted by Prometheus', `${counted} (${pct(counted)})`, '100 %');
  line('traces stored in Jaeger', `${traces} (${pct(traces)})`, '100 %');
  line('log records: app exported → Collector accepted', `${logs[0]} → ${logs[1]}`, 'equal');
  line(
    'log lines in Loki',
    'n/a',
    'not measured: Loki does not run on these machines (the wire path is tested with a Collector in its place)',
  );
} finally {
  downStack();
}
