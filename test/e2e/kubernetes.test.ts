// The Helm chart on a real two-node cluster (scripts/k8s/cluster.sh: Kubernetes built from its Go
// module, containerd, node 2 in its own network namespace): the rendered objects against the cluster's
// own API schema, then installed and exercised — pods on both nodes with the comparison's limits, the
// load Job across the nodes with every request answered, one trace per request in Jaeger, the app in a
// real Prometheus through the documented scrape job, a rolling update and an automatic rollback under
// load without a failed request. Traffic goes only to the pods and Services of the namespace it creates.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { readStatus } from '../../harness/app-probe.ts';
import { schemaLocation, writeKubeconformSchemas } from '../../harness/kube-schemas.ts';
import {
  CHART,
  clusterDown,
  clusterUp,
  helm,
  isReady,
  kubectl,
  pods,
  readLoadJob,
  setArgs,
  splitImage,
  testCluster,
  testClusterUnavailable,
} from '../../harness/kubernetes.ts';
import { attack } from '../../harness/load-driver.ts';
import { poll } from '../../harness/poll.ts';
import { freePort } from '../../harness/ports.ts';
import { benchLimits, REPO_ROOT } from '../../harness/project-env.ts';
import { REQUEST_MIX } from '../../loadtests/lib/mix.ts';
import { APP_IMAGE, skipLoudly } from '../helpers/images.ts';
import { prometheusBin } from '../helpers/prometheus.ts';

const skip = skipLoudly('Kubernetes cluster tests', testClusterUnavailable());
const c = testCluster();
const NS = `cb-e2e-${randomBytes(3).toString('hex')}`;
const RELEASE = 'bench';
const FULLNAME = `${RELEASE}-cloud-benchmark`;
const OTELCOL_IMAGE = process.env.CB_OTELCOL_IMAGE ?? 'otel/opentelemetry-collector-contrib:0.165.0';
const JAEGER_IMAGE = process.env.CB_JAEGER_IMAGE ?? 'jaegertracing/jaeger:2.13.0';
const VEGETA_IMAGE = process.env.CB_VEGETA_IMAGE ?? 'cloud-benchmark/vegeta:12.13.0';
const { repository: appRepo, tag: appTag } = splitImage(APP_IMAGE);
const { repository: otelRepo, tag: otelTag } = splitImage(OTELCOL_IMAGE);
const { repository: vegetaRepo, tag: vegetaTag } = splitImage(VEGETA_IMAGE);

// Two app pods of three quarters of a CPU (the memory of the comparison's size): with the Collector,
// Jaeger and CoreDNS they leave room on a node of this machine's two cores for the rolling update's
// extra pod, which a whole CPU each would not.
const APP_CPUS = 0.75;
const VALUES = {
  'app.image.repository': appRepo,
  'app.image.tag': appTag,
  'app.image.pullPolicy': 'Never',
  'app.replicas': 2,
  'app.cpus': String(APP_CPUS),
  'app.memoryMiB': benchLimits.memoryMib,
  'collector.image.repository': otelRepo,
  'collector.image.tag': otelTag,
  'collector.image.pullPolicy': 'Never',
  'collector.jaegerEndpoint': 'jaeger:4317',
  'load.job.image.repository': vegetaRepo,
  'load.job.image.tag': vegetaTag,
  'load.job.image.pullPolicy': 'Never',
};

// Host-side load during the rolling update and the broken release: longer than either takes here
// (an update ~10 s, the broken release's 25 s deadline and its rollback), checked by each test.
const LOAD_SECONDS = 40;
const FANOUT_CALLS = Number(
  new URLSearchParams(REQUEST_MIX.find((e) => e.route === '/api/fanout')!.query).get('calls'),
);

/** The app Service's address, reachable from this host through node 1's kube-proxy rules. */
async function serviceUrl(name: string, port: number): Promise<string> {
  const ip = (await kubectl(['-n', NS, 'get', 'svc', name, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  return `http://${ip}:${port}`;
}

/** `helm upgrade` of the test's release, keeping its values, changing these. */
const upgrade = (values: Record<string, string | number | boolean>, ...flags: string[]) =>
  helm(['upgrade', RELEASE, CHART, '-n', NS, '--reuse-values', ...flags, ...setArgs(values)]);

const appPods = () => pods(NS, 'app.kubernetes.io/component=app');

let prometheus: { url: string; stop: () => Promise<void> } | undefined;

/** The real Prometheus with the documented scrape job (deploy/prometheus/kubernetes-pods.yml), pointed
 * at this cluster from outside it and at the test's namespace only. */
async function startPrometheus(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-k8s-prom-'));
  const jobs = z
    .array(z.looseObject({ job_name: z.string(), kubernetes_sd_configs: z.array(z.looseObject({})) }))
    .parse(parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/kubernetes-pods.yml'), 'utf8')));
  for (const job of jobs)
    job.kubernetes_sd_configs = job.kubernetes_sd_configs.map((sd) => ({
      ...sd,
      kubeconfig_file: c.kubeconfig,
      namespaces: { names: [NS] },
    }));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({ global: { scrape_interval: '2s', scrape_timeout: '2s' }, scrape_configs: jobs }),
  );
  const port = await freePort();
  const child = spawn(
    prometheusBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  await poll(async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined), {
    what: 'Prometheus ready',
    timeoutMs: 60_000,
    intervalMs: 250,
    abortIf: () => (child.exitCode !== null ? `exited with ${child.exitCode}: ${log}` : undefined),
  });
  return { url, stop };
}

const PromResult = z.object({
  status: z.literal('success'),
  data: z.object({
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
});

async function promQuery(expr: string) {
  const res = await fetch(
    `${prometheus!.url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`,
  );
  return PromResult.parse(await res.json()).data.result;
}

const JaegerTraces = z.object({
  data: z.array(
    z.object({
      traceID: z.string(),
      spans: z.array(
        z.object({
          operationName: z.string(),
          references: z.array(z.unknown()),
          tags: z.array(z.object({ key: z.string(), value: z.unknown() })),
        }),
      ),
    }),
  ),
});

/** Load requests as Jaeger has them: traces whose root span is the app's server span of an /api route. */
async function rootServerSpans(jaeger: string, fromMs: number, toMs: number): Promise<number> {
  const url = new URL('/api/traces', jaeger);
  url.search = new URLSearchParams({
    service: 'cloud-benchmark',
    start: String(fromMs * 1000),
    end: String(toMs * 1000),
    limit: '5000',
  }).toString();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Jaeger ${url.href}: ${res.status}`);
  return JaegerTraces.parse(await res.json())
    .data.flatMap((t) => t.spans)
    .filter(
      (s) =>
        s.references.length === 0 &&
        /^(GET|POST) \/api\//.test(s.operationName) &&
        s.tags.some((t) => t.key === 'span.kind' && t.value === 'server'),
    ).length;
}

describe.skipIf(skip)('the Helm chart on a two-node cluster (scripts/k8s/cluster.sh)', () => {
  const timings: string[] = [];
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const out = await f();
    timings.push(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`[k8s] ${timings.at(-1)}`);
    return out;
  };
  let loadWindow: { from: number; to: number; requests: number; fanout: number } | undefined;
  let warmup = { requests: 0, fanout: 0 };

  beforeAll(async () => {
    await timed('cluster up (with the images imported)', () =>
      clusterUp([APP_IMAGE, OTELCOL_IMAGE, JAEGER_IMAGE, VEGETA_IMAGE]),
    );
    await kubectl(['create', 'namespace', NS]);
    const jaeger = readFileSync(join(import.meta.dirname, 'fixtures/k8s-jaeger.yaml'), 'utf8').replaceAll(
      '__JAEGER_IMAGE__',
      JAEGER_IMAGE,
    );
    await kubectl(['-n', NS, 'apply', '-f', '-'], jaeger);
    prometheus = await startPrometheus();
  }, 900_000);

  afterAll(async () => {
    await prometheus?.stop();
    console.log(`[k8s] times: ${timings.join('; ')}`);
    if (process.env.CB_K8S_KEEP === '1') {
      console.warn(`!!! CB_K8S_KEEP=1: the cluster and namespace ${NS} are left running !!!`);
      return;
    }
    // The whole cluster goes (its namespaces with it); down fails if anything of it remains.
    await clusterDown();
  }, 300_000);

  it('renders objects the cluster’s own API schema accepts, strictly: kubeconform and a server-side dry run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-kubeconform-'));
    try {
      const kinds = writeKubeconformSchemas(JSON.parse(await kubectl(['get', '--raw', '/openapi/v2'])), dir);
      expect(kinds).toBeGreaterThan(100);
      const variants: Record<string, Record<string, string | number | boolean>> = {
        defaults: {},
        'load Job': { 'load.enabled': true },
        'k6-operator TestRun': { 'load.enabled': true, 'load.engine': 'k6-operator' },
        'external Collector, persistence': { 'collector.persistence.enabled': true },
      };
      const files: [string, string][] = [];
      for (const [name, values] of Object.entries(variants)) {
        const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
        writeFileSync(file, await helm(['template', RELEASE, CHART, '-n', NS, ...setArgs(values)]));
        files.push([name, file]);
      }
      // The KubeVirt VM and its Service: KubeVirt's own schema for the one, this cluster's for the other.
      files.push([
        'KubeVirt VirtualMachine + Service',
        join(REPO_ROOT, 'deploy/kubevirt/virtualmachine.yaml'),
      ]);
      for (const [name, file] of files) {
        // Every location named: kubeconform would otherwise fetch its default schemas from the network.
        const out = await new Promise<string>((resolve, reject) => {
          const child = spawn(
            c.kubeconform,
            [
              '-strict',
              '-summary',
              '-output',
              'json',
              '-schema-location',
              schemaLocation(dir),
              '-schema-location',
              schemaLocation(join(REPO_ROOT, 'deploy/schemas')),
              file,
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let text = '';
          child.stdout.on('data', (d: Buffer) => (text += d.toString()));
          child.stderr.on('data', (d: Buffer) => (text += d.toString()));
          child.on('error', reject);
          child.on('exit', () => resolve(text));
        });
        const summary = z
          .object({
            resources: z.array(
              z.object({ kind: z.string(), name: z.string(), status: z.string(), msg: z.string() }),
            ),
            summary: z.object({
              valid: z.number(),
              invalid: z.number(),
              errors: z.number(),
              skipped: z.number(),
            }),
          })
          .parse(JSON.parse(out));
        console.log(`[k8s] kubeconform -strict (${name}): ${JSON.stringify(summary.summary)}`);
        expect(summary.resources, name).toEqual([]);
        expect(summary.summary, name).toMatchObject({ invalid: 0, errors: 0, skipped: 0 });
        expect(summary.summary.valid, name).toBeGreaterThanOrEqual(2);
      }
      // The API server's own validation and admission, nothing stored. (TestRun is checked above against
      // our schema of the k6-operator's CRD: the operator is not installed here.)
      const dry = await kubectl(
        ['-n', NS, 'apply', '--dry-run=server', '-f', '-'],
        await helm(['template', RELEASE, CHART, '-n', NS, ...setArgs({ ...VALUES, 'load.enabled': true })]),
      );
      console.log(`[k8s] server-side dry run:\n${dry}`);
      expect(dry).toMatch(/deployment\.apps\/bench-cloud-benchmark created \(server dry run\)/);
      expect(dry).toMatch(/job\.batch\/bench-cloud-benchmark-load created \(server dry run\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('helm install --wait: app pods on both nodes, each with the comparison’s limits in its own /status', async () => {
    const out = await timed('helm install --wait', () =>
      helm(['install', RELEASE, CHART, '-n', NS, '--wait', '--timeout', '5m', ...setArgs(VALUES)]),
    );
    expect(out).toMatch(/STATUS: deployed/);
    const app = (await appPods()).filter(isReady);
    expect(app).toHaveLength(2);
    expect(new Set(app.map((p) => p.spec.nodeName))).toEqual(new Set(['cb-node1', 'cb-node2']));
    for (const p of app) {
      const status = await readStatus(`http://${p.status.podIP}:8080`);
      expect(status.environment).toBe('kubernetes');
      expect(status.limits.cpus).toBe(APP_CPUS);
      expect(status.limits.memory_bytes).toBe(benchLimits.memoryMib * 1024 * 1024);
    }
  }, 400_000);

  it('the load Job sends from pods on both nodes, and every request of the mix is answered', async () => {
    // As the compare command does: a discarded warm-up first, so the run measures the pods, not their
    // first requests (a fresh Node process compiles its hot paths under the first load).
    const warm = await attack({
      vegeta: c.vegeta,
      baseUrl: await serviceUrl(FULLNAME, 8080),
      mix: REQUEST_MIX,
      rate: 20,
      durationSeconds: 5,
      maxWorkers: 100,
      timeoutSeconds: 10,
    });
    console.log(`[k8s] warm-up (discarded): ${warm.ok}/${warm.sent} ok`);
    warmup = { requests: warm.sent, fanout: warm.breakdown!.byRoute['/api/fanout']?.count ?? 0 };
    const from = Date.now();
    await timed('load Job (helm upgrade --wait runs it)', () =>
      upgrade(
        {
          'load.enabled': true,
          'load.parallelism': 4,
          'load.rate': 20,
          'load.durationSeconds': 10,
        },
        '--wait',
        '--timeout',
        '5m',
      ),
    );
    const load = await readLoadJob(NS, RELEASE, c.vegeta);
    loadWindow = {
      from,
      to: Date.now(),
      requests: load.result.sent,
      fanout: load.result.breakdown!.byRoute['/api/fanout']?.count ?? 0,
    };
    console.log(
      `[k8s] load Job: ${load.result.ok}/${load.result.expected} ok, p50 ${load.result.latencyMs.p50.toFixed(1)} ms, ` +
        `p99 ${load.result.latencyMs.p99.toFixed(1)} ms; pods: ${load.pods.map((p) => `#${p.index} ${p.node} ${p.ok}/${p.sent} at ${p.rate}/s`).join(', ')}`,
    );
    expect(load.pods.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(load.pods.map((p) => p.rate)).toEqual([5, 5, 5, 5]);
    expect(new Set(load.pods.map((p) => p.node))).toEqual(new Set(['cb-node1', 'cb-node2']));
    expect(load.result.expected).toBe(200);
    expect(load.result.sent).toBe(200);
    expect(load.result.statusCodes).toEqual({ '200': 200 });
    // The mix, route by route: each of its routes was hit.
    expect(Object.keys(load.result.breakdown!.byRoute).sort()).toEqual(
      [...new Set(REQUEST_MIX.map((e) => e.route))].sort(),
    );
  }, 400_000);

  it('Jaeger holds exactly one server trace per request the load sent', async () => {
    expect(loadWindow, 'the load Job test ran').toBeDefined();
    const jaeger = await serviceUrl('jaeger', 16686);
    const { from, to, requests } = loadWindow!;
    // Spans arrive in batches (the app's, then the Collector's): wait for all, then require exactly.
    let last = 0;
    const seen = await poll(
      async () => {
        last = await rootServerSpans(jaeger, from, to + 60_000);
        return last >= requests ? last : undefined;
      },
      {
        what: `${requests} root server spans in Jaeger (last seen: ${last})`,
        timeoutMs: 120_000,
        intervalMs: 2000,
      },
    );
    expect(seen).toBe(requests);
  }, 180_000);

  it('Prometheus, through the documented scrape job, has up{environment="kubernetes"} and the load’s requests', async () => {
    expect(loadWindow, 'the load Job test ran').toBeDefined();
    const up = await poll(
      async () => {
        const r = await promQuery('up{job="kubernetes-pods", environment="kubernetes", component="app"}');
        return r.length === 2 && r.every((s) => s.value[1] === '1') ? r : undefined;
      },
      { what: 'both app pods up in Prometheus', timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(new Set(up.map((s) => s.metric.node))).toEqual(new Set(['cb-node1', 'cb-node2']));
    expect(up.every((s) => s.metric.namespace === NS)).toBe(true);
    // The app's request counter over its /api routes: the warm-up's and the load's requests, plus the
    // fan-out's calls to the app itself (each /api/fanout request makes `calls` requests to /api/delay).
    const expected =
      warmup.requests + loadWindow!.requests + (warmup.fanout + loadWindow!.fanout) * FANOUT_CALLS;
    const expr = `sum(http_server_request_duration_seconds_count{job="kubernetes-pods", environment="kubernetes", route=~"/api/.*"})`;
    const counted = await poll(
      async () => {
        const [s] = await promQuery(expr);
        return s && Number(s.value[1]) >= expected ? Number(s.value[1]) : undefined;
      },
      { what: `${expected} requests counted in Prometheus`, timeoutMs: 60_000, intervalMs: 1000 },
    );
    console.log(`[k8s] Prometheus: ${expr} = ${counted}`);
    expect(counted).toBe(expected);
  }, 180_000);

  /** Host-side load at the app's Service while `during` runs; the run must outlast it. */
  async function underLoad(during: () => Promise<unknown>, seconds: number) {
    const url = await serviceUrl(FULLNAME, 8080);
    const started = performance.now();
    const load = attack({
      vegeta: c.vegeta,
      baseUrl: url,
      mix: REQUEST_MIX,
      rate: 10,
      durationSeconds: seconds,
      maxWorkers: 100,
      timeoutSeconds: 10,
    });
    const outcome = await during().then(
      (v) => ({ ok: true as const, value: v }),
      (error: unknown) => ({ ok: false as const, error: error as Error }),
    );
    const doneAfter = (performance.now() - started) / 1000;
    const result = await load;
    return { outcome, doneAfter, result };
  }

  it('a rolling update under load fails no request', async () => {
    const before = new Set((await appPods()).map((p) => p.metadata.name));
    const { outcome, doneAfter, result } = await timed('rolling update under load', () =>
      underLoad(
        () => upgrade({ 'load.enabled': false, 'app.env.ROLLOUT': 'second' }, '--wait', '--timeout', '4m'),
        LOAD_SECONDS,
      ),
    );
    console.log(
      `[k8s] rolling update done after ${doneAfter.toFixed(0)} s of ${LOAD_SECONDS}; load: ${result.ok}/${result.sent} ok, ${JSON.stringify(result.statusCodes)}, errors ${JSON.stringify(result.errors)}`,
    );
    expect(outcome.ok, outcome.ok ? '' : outcome.error.message).toBe(true);
    expect(doneAfter, 'the update finished while the load still ran').toBeLessThan(LOAD_SECONDS - 5);
    const after = (await appPods()).filter(isReady);
    expect(after).toHaveLength(2);
    expect(
      after.some((p) => before.has(p.metadata.name)),
      'every pod was replaced',
    ).toBe(false);
    expect(result.sent).toBe(result.expected);
    expect(result.failed).toBe(0);
    expect(result.statusCodes).toEqual({ '200': result.sent });
  }, 400_000);

  it('a broken release (never ready) is rolled back by helm --atomic, and no request fails meanwhile', async () => {
    const before = (await appPods())
      .filter(isReady)
      .map((p) => p.metadata.name)
      .sort();
    const { outcome, doneAfter, result } = await timed('broken release rolled back under load', () =>
      underLoad(
        () =>
          // Listening on another port than the probes ask: the new pod never becomes ready.
          upgrade({ 'app.env.PORT': 9999 }, '--atomic', '--wait', '--timeout', '25s'),
        LOAD_SECONDS,
      ),
    );
    console.log(
      `[k8s] broken release: ${outcome.ok ? 'upgrade SUCCEEDED (unexpected)' : outcome.error.message.split('\n')[0]}; done after ${doneAfter.toFixed(0)} s; load: ${result.ok}/${result.sent} ok, ${JSON.stringify(result.statusCodes)}`,
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.message).toMatch(/has been rolled back due to atomic being set/);
    expect(doneAfter, 'the rollback finished while the load still ran').toBeLessThan(LOAD_SECONDS - 5);
    const history = z
      .array(z.object({ revision: z.number(), status: z.string(), description: z.string() }))
      .parse(JSON.parse(await helm(['history', RELEASE, '-n', NS, '-o', 'json'])));
    console.log(
      `[k8s] helm history: ${history.map((h) => `${h.revision} ${h.status} "${h.description}"`).join('; ')}`,
    );
    expect(history.at(-1)?.status).toBe('deployed');
    expect(history.at(-1)?.description).toMatch(/^Rollback to \d+$/);
    expect(history.at(-2)).toMatchObject({ status: 'failed' });
    // The pods that served before serve still; the broken one is gone.
    const after = await poll(
      async () => {
        const list = await appPods();
        return list.length === 2 && list.every(isReady) ? list.map((p) => p.metadata.name).sort() : undefined;
      },
      { what: 'two ready app pods after the rollback', timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(after).toEqual(before);
    expect(result.sent).toBe(result.expected);
    expect(result.failed).toBe(0);
    expect(result.statusCodes).toEqual({ '200': result.sent });
  }, 400_000);

  it('npm run compare -- --kubernetes local: the pod, through its Service and directly, with the same limits', async () => {
    // The compare's pod asks the compared CPU (1) on node 1, whose two cores the release's pods share
    // as the scheduler placed them: an app pod (0.75), and maybe the Collector (0.2) and Jaeger (0.1) too,
    // which left 0.9 free and the pod unschedulable in one CI run. The release is done with: it goes,
    // and its pods with it (a terminating pod still holds its share of the node). The load Job is a
    // hook, which uninstall leaves: its finished pods hold nothing.
    await helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '120s']);
    await poll(
      async () =>
        (await pods(NS, `app.kubernetes.io/instance=${RELEASE}`)).every(
          (p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed',
        )
          ? true
          : undefined,
      { what: 'the release’s running pods gone', timeoutMs: 120_000, intervalMs: 500 },
    );
    const out = mkdtempSync(join(tmpdir(), 'cb-compare-k8s-'));
    try {
      const run = await timed(
        'compare --kubernetes local',
        () =>
          new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
            const child = spawn(
              process.execPath,
              [
                'scripts/compare/cli.ts',
                '--vegeta',
                c.vegeta,
                '--image',
                APP_IMAGE,
                '--environments',
                'kubernetes',
                '--kubernetes',
                'local',
                '--startups',
                '1',
                '--rates',
                '10',
                '--step-factor',
                '0',
                '--repetitions',
                '1',
                '--duration',
                '5',
                '--warmup',
                '2',
                '--out',
                out,
              ],
              { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
            );
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
            child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
            child.on('exit', (code) => done({ code, stdout, stderr }));
          }),
      );
      // Its progress lines, and whatever an error carried on the lines after it.
      console.log(
        run.stdout
          .split('\n')
          .filter((l) => !/^(==>|<==| {4}|NAME |cb-node)/.test(l))
          .join('\n'),
      );
      // The failure's own words in the assertion, which a run's tail keeps when the log above is cut.
      expect(run.code, `${run.stderr}\n${run.stdout.split('\n').slice(-15).join('\n')}`).toBe(0);
      const results = z
        .looseObject({
          complete: z.boolean(),
          environments: z.array(
            z.looseObject({
              name: z.string(),
              facts: z.record(z.string(), z.string()),
              status: z.looseObject({ limits: z.looseObject({ cpus: z.number().nullable() }) }).optional(),
            }),
          ),
          startupMs: z.record(z.string(), z.array(z.number())),
          windows: z.array(
            z.looseObject({
              path: z.string(),
              load: z.looseObject({ ok: z.number(), expected: z.number() }),
            }),
          ),
        })
        .parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
      expect(results.complete).toBe(true);
      const k8s = results.environments.find((e) => e.name === 'kubernetes');
      expect(k8s?.facts['Kubernetes server']).toBe('v1.37.2');
      expect(k8s?.status?.limits.cpus).toBe(benchLimits.cpus);
      expect(results.startupMs.kubernetes).toHaveLength(1);
      expect(results.windows.map((w) => w.path).sort()).toEqual(
        ['kubernetes (Service)', 'kubernetes (pod IP)'].sort(),
      );
      for (const w of results.windows) expect(w.load.ok, w.path).toBe(w.load.expected);
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(
        '| kubernetes (Service) | kubernetes (pod IP) |',
      );
      // The cluster was up before the compare: it is still up, and the compare's namespace is gone.
      const namespaces = await kubectl(['get', 'namespaces', '-o', 'name']);
      expect(namespaces).not.toMatch(/cb-compare-/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 400_000);
});
