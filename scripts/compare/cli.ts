// npm run compare -- [options]: the fair native / container / VM benchmark, written as results.json,
// report.md and SVG charts. `--help` lists the options; `--quick` is the short mode CI runs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { appImage, benchLimits, loadToolchainEnv, REPO_ROOT } from '../../harness/project-env.ts';
import { renderCharts } from './charts.ts';
import { containerEnvironment } from '../../harness/environments/container.ts';
import {
  type AppSettings,
  ENVIRONMENT_NAMES,
  type Environment,
  type EnvironmentName,
} from '../../harness/environments/environment.ts';
import { kubernetesEnvironment, type KubernetesMode } from '../../harness/environments/kubernetes.ts';
import { nativeEnvironment } from '../../harness/environments/native.ts';
import {
  type Acceleration,
  bootedVmEnvironment,
  vagrantEnvironment,
  vmEnvironment,
} from '../../harness/environments/vm.ts';
import { vegetaVersion } from '../../harness/load-driver.ts';
import { httpUrl, positiveInt, positiveIntList, wholeOrZero } from '../../harness/cli-options.ts';
import { describeMachine } from '../../harness/machine.ts';
import { renderDiff } from './diff.ts';
import { publishSummary, runIdOf } from './publish.ts';
import { renderReport } from './report.ts';
import { parseResults, type Results, type RunSettings } from './results.ts';
import { runComparison } from './run-comparison.ts';

loadToolchainEnv();

const environmentList = (raw: string): EnvironmentName[] => {
  const names = raw.split(',').map((x) => x.trim());
  const bad = names.filter((n) => !(ENVIRONMENT_NAMES as readonly string[]).includes(n));
  if (bad.length || !names.length)
    throw new InvalidArgumentError(
      `unknown environment ${bad.join(', ')} (known: ${ENVIRONMENT_NAMES.join(', ')})`,
    );
  return [...new Set(names)] as EnvironmentName[];
};
const factor = (raw: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || (n !== 0 && n <= 1))
    throw new InvalidArgumentError(`--step-factor must be 0 (off) or above 1, got "${raw}"`);
  return n;
};

const fraction = (raw: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n >= 1)
    throw new InvalidArgumentError(
      `--precision must be 0 (off) or a fraction below 1, e.g. 0.1, got "${raw}"`,
    );
  return n;
};

const program = new Command('compare')
  .description(
    'Runs the same open-model load against the app as a host process (native), in a container, in a VM and\n' +
      'as a Kubernetes pod, with equal resource limits, and writes results.json, report.md and SVG charts.',
  )
  .option(
    '--quick',
    'short mode: native and container, one low rate, 3 runs of 10 s, 5 starts (what CI runs)',
  )
  .addOption(
    new Option('--environments <list>', 'environments to measure, comma-separated')
      .default(['native', 'container', 'vm'], 'native,container,vm')
      .argParser(environmentList),
  )
  .addOption(
    new Option('--rates <list>', 'offered rates in req/s, comma-separated')
      .default([25, 50, 100], '25,50,100')
      .argParser(positiveIntList('--rates')),
  )
  .addOption(
    new Option(
      '--step-factor <x>',
      'after the last rate, multiply by this until every path saturates (0: off)',
    )
      .default(1.5)
      .argParser(factor),
  )
  .addOption(
    new Option(
      '--precision <fraction>',
      "bisect each path's saturation bracket until it is this close to the sustained rate (0: off)",
    )
      .default(0.1)
      .argParser(fraction),
  )
  .addOption(
    new Option('--max-rate <n>', 'never offer more than this (req/s)')
      .default(2000)
      .argParser(positiveInt('--max-rate')),
  )
  .addOption(
    new Option('--repetitions <n>', 'runs per rate and path')
      .default(5)
      .argParser(positiveInt('--repetitions')),
  )
  .addOption(new Option('--duration <s>', 'seconds per run').default(30).argParser(positiveInt('--duration')))
  .addOption(
    new Option('--warmup <s>', 'discarded warm-up seconds per rate and path')
      .default(10)
      .argParser(wholeOrZero('--warmup')),
  )
  .addOption(
    new Option('--startups <n>', 'start-up measurements per environment')
      .default(10)
      .argParser(wholeOrZero('--startups')),
  )
  .addOption(new Option('--mix <name>', 'request mix').choices(['default', 'trivial']).default('default'))
  .addOption(new Option('--image <name>', 'the app image for the container').default(appImage()))
  .addOption(
    new Option('--vm-url <url>', "a provisioned VM's app URL (vagrant up forwards 127.0.0.1:8081)").argParser(
      httpUrl('--vm-url'),
    ),
  )
  .addOption(
    new Option(
      '--vm <how>',
      'the VM: "url" one already running at --vm-url; "qemu" booted here for every start; "vagrant" the Vagrantfile, halted and powered on for every start (power-on → first 200 measured)',
    )
      .choices(['url', 'qemu', 'vagrant'])
      .default('url'),
  )
  .addOption(
    new Option('--vm-accel <how>', 'how the VM runs, when the compare cannot see its qemu process').choices([
      'hardware',
      'emulated',
    ]),
  )
  .addOption(
    new Option(
      '--kubernetes <how>',
      'add the app as a pod (the Helm chart, one replica, same limits): "local" the two-node test cluster brought up here (scripts/k8s/cluster.sh, root); "kubeconfig" the cluster of the current kubeconfig context, whose Service and pod addresses this machine must reach',
    ).choices(['local', 'kubeconfig']),
  )
  .addOption(
    new Option('--kube-image <name>', "the app image as the cluster's nodes pull it (default: --image)"),
  )
  .addOption(
    new Option('--kube-node <name>', "run the pod on this node (local: cb-node1, in this host's namespaces)"),
  )
  .addOption(
    new Option(
      '--otlp-endpoint <url>',
      'OTLP endpoint every copy exports traces and logs to (default: exporters off)',
    ).argParser(httpUrl('--otlp-endpoint')),
  )
  .addOption(
    new Option('--native-port <n>', 'loopback port of the native copy')
      .default(18580)
      .argParser(positiveInt('--native-port')),
  )
  .addOption(
    new Option('--container-port <n>', 'loopback port the container is published on')
      .default(18581)
      .argParser(positiveInt('--container-port')),
  )
  .option('--allow-unequal-limits', 'measure even when /status shows different CPU or memory limits')
  .addOption(
    new Option('--vegeta <path>', 'the vegeta binary').default(
      process.env.CB_BIN_DIR ? join(process.env.CB_BIN_DIR, 'vegeta') : 'vegeta',
    ),
  )
  .addOption(
    new Option('--out <dir>', 'output directory').default(
      join('compare-results', new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)),
    ),
  )
  .option(
    '--report-only <dir>',
    "re-render report.md and charts from a directory's results.json, run nothing",
  )
  .addOption(
    new Option(
      '--prometheus-url <url>',
      'remote-write the summary to this Prometheus (the "Comparison report" dashboard reads it), e.g. http://127.0.0.1:9090',
    ).argParser(httpUrl('--prometheus-url')),
  )
  .option(
    '--baseline <results.json>',
    'also write baseline.md: this run and an earlier one side by side, each difference tested',
  )
  .showHelpAfterError('(add --help for usage)');

/** The earlier run named by --baseline, read and validated before anything runs. */
function readBaseline(file: string | undefined): { results: Results; file: string } | undefined {
  if (!file) return undefined;
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`--baseline: ${path} does not exist`);
  return { results: parseResults(readFileSync(path, 'utf8'), path), file: path };
}

/** Writes results.json, report.md, the charts and (with a baseline) baseline.md; returns how many charts. */
async function write(
  dir: string,
  results: Results,
  baseline: ReturnType<typeof readBaseline>,
): Promise<number> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(dir, 'report.md'), renderReport(results));
  if (baseline)
    writeFileSync(
      join(dir, 'baseline.md'),
      // Named relative to baseline.md, so that the names are links that work wherever the files are.
      renderDiff(baseline.results, results, {
        baseline: relative(dir, baseline.file),
        current: 'results.json',
      }),
    );
  const charts = Object.entries(await renderCharts(results));
  for (const [file, svg] of charts) writeFileSync(join(dir, file), svg);
  return charts.length;
}

/** With --prometheus-url: the summary remote-written, after the files (a failed push loses nothing). */
async function publish(url: string | undefined, results: Results, log: (line: string) => void) {
  if (!url) return;
  const n = await publishSummary(url, results);
  log(
    `remote-wrote ${n} summary series to ${url} (run_id ${runIdOf(results)}): see the "Comparison report" dashboard`,
  );
}

async function main(): Promise<number> {
  program.parse();
  const o = program.opts();
  const baseline = readBaseline(o.baseline as string | undefined);
  if (o.reportOnly) {
    const dir = resolve(o.reportOnly as string);
    const file = join(dir, 'results.json');
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
    const results = parseResults(readFileSync(file, 'utf8'), file);
    await write(dir, results, baseline);
    console.log(
      `report and charts re-rendered in ${dir}${baseline ? `, baseline.md against ${baseline.file}` : ''}`,
    );
    await publish(o.prometheusUrl as string | undefined, results, (line) => console.log(line));
    return 0;
  }
  const quick = Boolean(o.quick);
  const source = (name: string) => program.getOptionValueSource(name);
  // --quick sets what the user did not set explicitly.
  const pick = <T>(name: string, quickValue: T): T =>
    quick && source(name) === 'default' ? quickValue : (o[name] as T);
  const cpus = benchLimits.cpus;
  const memoryMib = benchLimits.memoryMib;
  const settings: RunSettings = {
    quick,
    rates: pick('rates', [20]),
    stepFactor: pick('stepFactor', 0),
    precision: pick('precision', 0),
    maxRate: o.maxRate as number,
    repetitions: pick('repetitions', 3),
    durationSeconds: pick('duration', 10),
    warmupSeconds: pick('warmup', 3),
    startups: pick('startups', 5),
    mix: o.mix as RunSettings['mix'],
    cpus,
    memoryMib,
    telemetry: o.otlpEndpoint
      ? `full, OTLP to ${o.otlpEndpoint as string}`
      : 'spans and OTLP exports off (OTEL_TRACES_EXPORTER=none, OTEL_LOGS_EXPORTER=none); Prometheus metrics and the stdout access log on',
    loadDriver: `vegeta ${await vegetaVersion(o.vegeta as string).catch(() => {
      throw new Error(
        `the load driver vegeta is not runnable at "${o.vegeta as string}" (build it: bash scripts/toolchain/go-programs.sh vegeta; or pass --vegeta)`,
      );
    })}`,
  };
  const app: AppSettings = {
    cpus,
    memoryMib,
    otlpEndpoint: o.otlpEndpoint as string | undefined,
    healthTimeoutMs: 30_000,
  };
  const listed = pick<EnvironmentName[]>('environments', ['native', 'container']);
  // --kubernetes adds the fourth environment to whatever is listed.
  const wanted: EnvironmentName[] =
    o.kubernetes && !listed.includes('kubernetes') ? [...listed, 'kubernetes'] : listed;
  const all: Record<EnvironmentName, () => Environment> = {
    native: () => nativeEnvironment(REPO_ROOT, app, o.nativePort as number),
    container: () => containerEnvironment(o.image as string, app, o.containerPort as number),
    vm: () =>
      o.vm === 'qemu'
        ? bootedVmEnvironment((line) => console.log(line))
        : o.vm === 'vagrant'
          ? vagrantEnvironment(
              join(REPO_ROOT, 'vagrant'),
              (o.vmUrl as string | undefined) ?? 'http://127.0.0.1:8081',
              o.vmAccel as Acceleration | undefined,
              (line) => console.log(line),
            )
          : vmEnvironment(o.vmUrl as string | undefined, o.vmAccel as Acceleration | undefined),
    kubernetes: () =>
      kubernetesEnvironment(app, {
        mode: (o.kubernetes as KubernetesMode | undefined) ?? 'kubeconfig',
        image: (o.kubeImage as string | undefined) ?? (o.image as string),
        ...(o.kubeNode ? { node: o.kubeNode as string } : {}),
        log: (line) => console.log(line),
      }),
  };
  const out = resolve(o.out as string);
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
    console.log(
      '\nCtrl-C: stopping the current run, keeping what was measured (Ctrl-C again to leave at once)',
    );
    controller.abort();
  });
  const t0 = performance.now();
  const log = (line: string) =>
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`);
  log(
    `compare: ${wanted.join(', ')}; rates ${settings.rates.join(', ')} req/s${settings.stepFactor ? ` then ×${settings.stepFactor} to saturation` : ''}; ${settings.repetitions} × ${settings.durationSeconds} s; output ${out}`,
  );
  const results = await runComparison({
    settings,
    environments: wanted.map((n) => all[n]()),
    machine: await describeMachine(),
    vegeta: o.vegeta as string,
    allowUnequalLimits: Boolean(o.allowUnequalLimits),
    signal: controller.signal,
    log,
  });
  const charts = await write(out, results, baseline);
  log(
    `wrote ${join(out, 'report.md')}, results.json and ${charts} charts${baseline ? `; baseline.md against ${baseline.file}` : ''}`,
  );
  await publish(o.prometheusUrl as string | undefined, results, log);
  if (!results.complete) {
    log(`INCOMPLETE: ${results.interruption ?? 'stopped'} (partial results kept)`);
    // The reason on stderr too, where a caller that keeps only the errors looks.
    console.error(`error: incomplete: ${results.interruption ?? 'stopped'}`);
    return controller.signal.aborted ? 130 : 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(2);
  },
);
