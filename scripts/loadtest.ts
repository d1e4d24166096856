// npm run loadtest -- <scenario> [options]: runs one of the k6 scripts in loadtests/ against one
// environment, tagged with the environment and a test id, results remote-written to Prometheus (native
// histograms) so Grafana's k6 dashboard shows them next to the app. Uses a local `k6` if there is one,
// else the pinned k6 image (K6_IMAGE) on the host network.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { positiveInt } from '../harness/cli-options.ts';
import { ENVIRONMENTS, type DeploymentEnvironment } from '../app/src/config/environments.ts';
import { REPO_ROOT, versions } from '../harness/project-env.ts';
import { SCENARIOS } from '../loadtests/lib/scenarios.ts';

// Where each environment listens by default: compose's APP_PORT, the Vagrantfile's VM_APP_PORT, npm start's
// PORT, and `kubectl port-forward` to the chart's Service (docs/kubernetes.md) on KUBE_APP_PORT.
const DEFAULT_URL: Record<DeploymentEnvironment, string> = {
  container: `http://127.0.0.1:${process.env.APP_PORT ?? '8080'}`,
  vm: `http://127.0.0.1:${process.env.VM_APP_PORT ?? '8081'}`,
  native: `http://127.0.0.1:${process.env.PORT ?? '8080'}`,
  kubernetes: `http://127.0.0.1:${process.env.KUBE_APP_PORT ?? '8083'}`,
};

const program = new Command('loadtest')
  .description('Runs a k6 scenario from loadtests/ against one environment.')
  .addArgument(new Command().createArgument('<scenario>', 'k6 script').choices(SCENARIOS))
  .addOption(
    new Option('--environment <name>', 'which copy of the app').choices(ENVIRONMENTS).default('container'),
  )
  .option('--target-url <url>', 'the app URL (default: the environment’s usual loopback port)')
  .addOption(
    new Option('--rate <n>', 'requests per second (RATE / MAX_RATE of the script)').argParser((raw) =>
      String(positiveInt('--rate')(raw)),
    ),
  )
  .option('--duration <d>', 'k6 duration, e.g. 30s, 5m')
  .option('--testid <id>', 'test id tag (default: scenario-environment-time)')
  .option(
    '--prometheus-url <url>',
    'Prometheus to remote-write to',
    `http://127.0.0.1:${process.env.PROMETHEUS_PORT ?? '9090'}`,
  )
  .option('--no-prometheus', 'do not remote-write results')
  .showHelpAfterError('(add --help for usage)');

program.parse();
const [scenario] = program.processedArgs as [string];
const o = program.opts<{
  environment: DeploymentEnvironment;
  targetUrl?: string;
  rate?: string;
  duration?: string;
  testid?: string;
  prometheusUrl: string;
  prometheus: boolean;
}>();
const target = o.targetUrl ?? DEFAULT_URL[o.environment];
const vars: Record<string, string> = {
  TARGET_URL: target,
  ENVIRONMENT: o.environment,
  ...(o.rate ? { RATE: o.rate, MAX_RATE: o.rate } : {}),
  ...(o.duration ? { DURATION: o.duration } : {}),
  ...(o.testid ? { TESTID: o.testid } : {}),
  ...(o.prometheus
    ? {
        K6_PROMETHEUS_RW_SERVER_URL: `${o.prometheusUrl.replace(/\/+$/, '')}/api/v1/write`,
        K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
      }
    : {}),
};
const k6Args = ['run', ...(o.prometheus ? ['-o', 'experimental-prometheus-rw'] : [])];
const script = `${scenario}.ts`;

const onPath = (cmd: string) =>
  (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, cmd)));
let result;
if (onPath('k6')) {
  console.log(`k6 ${k6Args.join(' ')} loadtests/${script} → ${target} (${o.environment})`);
  result = spawnSync('k6', [...k6Args, join('loadtests', script)], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...vars },
  });
} else if (onPath('docker')) {
  const image = versions.K6_IMAGE!;
  console.log(`docker run ${image} ${k6Args.join(' ')} /loadtests/${script} → ${target} (${o.environment})`);
  result = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      '--network',
      'host',
      '--security-opt',
      'no-new-privileges:true',
      '--cap-drop',
      'ALL',
      '-v',
      `${join(REPO_ROOT, 'loadtests')}:/loadtests:ro`,
      ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      image,
      ...k6Args,
      `/loadtests/${script}`,
    ],
    { stdio: 'inherit' },
  );
} else {
  console.error(
    'error: neither k6 nor docker is on PATH: install k6 (https://grafana.com/docs/k6/) or Docker',
  );
  process.exit(2);
}
if (result.error) {
  console.error(`error: ${result.error.message}`);
  process.exit(2);
}
// k6 exits 99 when a threshold fails: passed on, so a failed threshold fails the npm script.
process.exit(result.status ?? 1);
