// The Helm chart (deploy/helm/cloud-benchmark) as Helm itself reads it: lint, the rendered manifests with
// default and changed values, the values schema refusing bad input, and the packaged chart. On a real
// cluster: test/e2e (install, rollback).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT, toolchainCache, versions } from '../../harness/project-env.ts';
import { chartFiles, TARGET_PLACEHOLDER } from '../../scripts/chart-files.ts';
import { skipLoudly } from '../helpers/images.ts';

const CHART = resolve(REPO_ROOT, 'deploy/helm/cloud-benchmark');
const helm = join(process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin'), 'helm');
const skip = skipLoudly(
  'Helm chart tests',
  existsSync(helm) ? undefined : `no ${helm} (run scripts/toolchain.sh)`,
);

const Manifest = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({
    name: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
});
type Manifest = z.infer<typeof Manifest> & Record<string, unknown>;

// The parts of the rendered objects the tests read, validated as they are read.
const Probe = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) });
const Resources = z.object({
  requests: z.record(z.string(), z.string()),
  limits: z.record(z.string(), z.string()),
});
const Container = z.object({
  image: z.string(),
  env: z.array(z.object({ name: z.string(), value: z.string().optional() }).passthrough()),
  resources: Resources.optional(),
  readinessProbe: Probe.optional(),
  livenessProbe: Probe.optional(),
  securityContext: z.unknown(),
});
const Deployment = z.object({
  spec: z.object({
    strategy: z.object({ rollingUpdate: z.unknown().optional() }),
    template: z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }),
      spec: z.object({
        containers: z.array(Container).min(1),
        securityContext: z.record(z.string(), z.unknown()),
        terminationGracePeriodSeconds: z.number().optional(),
        volumes: z.array(z.record(z.string(), z.unknown())),
      }),
    }),
  }),
});
const ConfigMap = z.object({ data: z.record(z.string(), z.string()) });
const Pdb = z.object({ spec: z.object({ maxUnavailable: z.union([z.number(), z.string()]) }) });
const Service = z.object({
  spec: z.object({ ports: z.array(z.object({ port: z.number() }).passthrough()) }),
});
const ServiceMonitor = z.object({
  metadata: z.object({ labels: z.record(z.string(), z.string()) }),
  spec: z.object({ endpoints: z.array(z.object({ port: z.string() })) }),
});
const PodMonitor = z.object({
  spec: z.object({ podMetricsEndpoints: z.array(z.object({ port: z.string() })) }),
});

function template(...set: string[]): Manifest[] {
  const out = execFileSync(helm, ['template', 'bench', CHART, ...set.flatMap((s) => ['--set', s])], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null)
    .map((d) => Manifest.passthrough().parse(d) as Manifest);
}

function find<T extends z.ZodType>(manifests: Manifest[], kind: string, name: string, schema: T): z.infer<T> {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m)
    throw new Error(
      `no ${kind} ${name} in ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return schema.parse(m);
}

/** The app container of a rendering. */
function appContainer(manifests: Manifest[]): z.infer<typeof Container> {
  return find(manifests, 'Deployment', 'bench-cloud-benchmark', Deployment).spec.template.spec.containers[0]!;
}

describe.skipIf(skip)('Helm chart deploy/helm/cloud-benchmark', () => {
  it('passes helm lint --strict', () => {
    const out = execFileSync(helm, ['lint', '--strict', CHART], { encoding: 'utf8' });
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders app pods with exactly the comparison’s limits, probes, hardening and the drain', () => {
    const manifests = template();
    const app = find(manifests, 'Deployment', 'bench-cloud-benchmark', Deployment);
    const pod = app.spec.template.spec;
    const c = pod.containers[0]!;
    const size = { cpu: versions.BENCH_CPUS, memory: `${versions.BENCH_MEMORY_MIB}Mi` };
    expect(c.resources).toEqual({ requests: size, limits: size });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      APP_ENVIRONMENT: 'kubernetes',
      SHUTDOWN_DELAY_MS: '5000',
      SHUTDOWN_DRAIN_MS: '10000',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://bench-cloud-benchmark-collector:4318',
    });
    // The kubelet's SIGKILL comes after the delay, the drain and a margin: no request is cut short.
    expect(pod.terminationGracePeriodSeconds).toBe(5 + 10 + 5);
    expect(app.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(app.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true' });
    expect(find(manifests, 'PodDisruptionBudget', 'bench-cloud-benchmark', Pdb).spec.maxUnavailable).toBe(1);
    expect(find(manifests, 'Service', 'bench-cloud-benchmark', Service).spec.ports[0]).toMatchObject({
      port: 8080,
    });
  });

  it('runs the compose stack’s own Collector configuration, with the pinned official image', () => {
    const manifests = template();
    const config = find(manifests, 'ConfigMap', 'bench-cloud-benchmark-collector', ConfigMap).data[
      'config.yaml'
    ];
    expect(config?.trimEnd()).toBe(
      readFileSync(resolve(REPO_ROOT, 'observability/otel-collector/config.yaml'), 'utf8').trimEnd(),
    );
    const collector = find(manifests, 'Deployment', 'bench-cloud-benchmark-collector', Deployment).spec
      .template.spec;
    expect(collector.containers[0]!.image).toBe(versions.OTELCOL_IMAGE);
    expect(collector.volumes).toContainEqual({ name: 'queue', emptyDir: {} });
  });

  it('ships every generated dashboard as a ConfigMap for the Grafana sidecar', () => {
    const files = readdirSync(resolve(REPO_ROOT, 'grafana/dashboards')).filter((f) => f.endsWith('.json'));
    const maps = template().filter(
      (m) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1',
    );
    expect(maps.map((m) => Object.keys(m.data as object)[0]).sort()).toEqual(files.sort());
    for (const m of maps) {
      const [file, json] = Object.entries(ConfigMap.parse(m).data)[0]!;
      expect(JSON.parse(json)).toEqual(
        JSON.parse(readFileSync(resolve(REPO_ROOT, 'grafana/dashboards', file), 'utf8')),
      );
    }
  });

  it('renders the operator’s ServiceMonitor and PodMonitor only when asked, with the given labels', () => {
    expect(template().some((m) => m.apiVersion.startsWith('monitoring.coreos.com/'))).toBe(false);
    const manifests = template(
      'metrics.serviceMonitor.enabled=true',
      'metrics.serviceMonitor.labels.release=kps',
      'metrics.podMonitor.enabled=true',
    );
    const sm = find(manifests, 'ServiceMonitor', 'bench-cloud-benchmark', ServiceMonitor);
    expect(sm.metadata.labels.release).toBe('kps');
    expect(sm.spec.endpoints.map((e) => e.port)).toEqual(['http', 'metrics']);
    expect(
      find(manifests, 'PodMonitor', 'bench-cloud-benchmark', PodMonitor).spec.podMetricsEndpoints[0]?.port,
    ).toBe('http');
  });

  it('sends OTLP to an external Collector, or turns the exporters off, when the chart runs none', () => {
    const external = template('collector.enabled=false', 'otlpEndpoint=http://otel.monitoring:4318');
    expect(external.some((m) => m.metadata.name.endsWith('-collector'))).toBe(false);
    expect(appContainer(external).env).toContainEqual({
      name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      value: 'http://otel.monitoring:4318',
    });
    expect(appContainer(template('collector.enabled=false')).env).toContainEqual({
      name: 'OTEL_TRACES_EXPORTER',
      value: 'none',
    });
  });

  it('takes the size as a number or a quantity, as --set gives them', () => {
    for (const [set, cpu] of [
      ['app.cpus=2', '2'],
      ['app.cpus=1.5', '1.5'],
      ['app.cpus=500m', '500m'],
    ] as const) {
      const { resources } = appContainer(template(set, 'app.memoryMiB=1024'));
      expect(resources?.limits, set).toEqual({ cpu, memory: '1024Mi' });
      expect(resources?.requests, set).toEqual(resources?.limits);
    }
  });

  it.each([
    ['a CPU that is not a quantity', 'app.cpus=lots', 'cpus'],
    ['negative replicas', 'app.replicas=-1', 'replicas'],
    ['an unknown key', 'app.replica=2', 'replica'],
    ['an OTLP endpoint with a path', 'otlpEndpoint=http://x:4318/v1/traces', 'otlpEndpoint'],
    ['a drain longer than the app allows', 'app.shutdown.drainSeconds=500', 'drainSeconds'],
  ])('refuses %s with the values schema', (_what, set, named) => {
    const r = spawnSync(helm, ['template', 'bench', CHART, '--set', set], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(r.stderr).toContain(named);
  });

  it('packages with the Collector configuration and the dashboards inside (links resolved)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-chart-'));
    try {
      execFileSync(helm, ['package', CHART, '--destination', dir], { encoding: 'utf8' });
      const [tgz] = readdirSync(dir);
      expect(tgz).toBe('cloud-benchmark-0.1.0.tgz');
      const list = execFileSync('tar', ['-tzf', join(dir, tgz!)], { encoding: 'utf8' }).split('\n');
      expect(list).toContain('cloud-benchmark/files/otel-collector.yaml');
      expect(list).toContain('cloud-benchmark/files/dashboards/comparison.json');
      const config = execFileSync(
        'tar',
        ['-xzOf', join(dir, tgz!), 'cloud-benchmark/files/otel-collector.yaml'],
        {
          encoding: 'utf8',
        },
      );
      expect(config).toContain('file_storage/queue');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('load from inside the cluster', () => {
    const Job = z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()) }),
      spec: z.object({
        completionMode: z.literal('Indexed'),
        completions: z.number(),
        parallelism: z.number(),
        backoffLimit: z.literal(0),
        template: z.object({
          spec: z.object({
            containers: z.array(
              z.object({
                image: z.string(),
                args: z.array(z.string()),
                env: z.array(z.object({ name: z.string(), value: z.string().optional() }).passthrough()),
              }),
            ),
          }),
        }),
      }),
    });
    const TestRun = z.object({
      metadata: z.object({ annotations: z.record(z.string(), z.string()) }),
      spec: z.object({
        parallelism: z.number(),
        script: z.object({ configMap: z.object({ name: z.string(), file: z.string() }) }),
        arguments: z.string(),
        runner: z.object({ image: z.string() }).passthrough(),
      }),
    });
    const env = (job: z.infer<typeof Job>) =>
      Object.fromEntries(job.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));

    it('renders nothing for load by default', () => {
      expect(template().filter((m) => m.metadata.name.endsWith('-load'))).toEqual([]);
    });

    it('runs an Indexed Job, as a post-install/post-upgrade hook, with the total rate split over its pods', () => {
      const manifests = template(
        'load.enabled=true',
        'load.parallelism=3',
        'load.rate=10',
        'load.durationSeconds=7',
      );
      const job = find(manifests, 'Job', 'bench-cloud-benchmark-load', Job);
      expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install,post-upgrade');
      expect(job.metadata.annotations['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
      expect(job.spec).toMatchObject({ completions: 3, parallelism: 3 });
      expect(env(job)).toMatchObject({ TOTAL_RATE: '10', PODS: '3', DURATION: '7', START_AT: '0' });
      // The pod's own arithmetic, run by a real shell for each index: 10 over 3 pods is 4 + 3 + 3.
      const script = job.spec.template.spec.containers[0]!.args[0]!;
      const share = script.slice(0, script.indexOf('now=$(date'));
      const rates = [0, 1, 2].map((i) =>
        execFileSync('sh', ['-c', `${share}echo $rate`], {
          encoding: 'utf8',
          env: { TOTAL_RATE: '10', PODS: '3', JOB_COMPLETION_INDEX: String(i), PATH: process.env.PATH },
        }).trim(),
      );
      expect(rates).toEqual(['4', '3', '3']);
    });

    it('aims the Job at the app Service with exactly the default request mix', async () => {
      const targets = find(
        template('load.enabled=true'),
        'ConfigMap',
        'bench-cloud-benchmark-load-targets',
        ConfigMap,
      ).data['targets.jsonl']!;
      const files = await chartFiles();
      const expected = files
        .get('files/vegeta-targets.jsonl')!
        .replaceAll(TARGET_PLACEHOLDER, 'http://bench-cloud-benchmark:8080');
      expect(targets.trim()).toBe(expected.trim());
      expect(targets).not.toContain('.invalid');
    });

    it('keeps the generated chart files equal to their sources (npm run chart:files)', () => {
      const r = spawnSync(process.execPath, [resolve(REPO_ROOT, 'scripts/chart-files.ts'), '--check'], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('refuses fewer requests per second than pods, naming both', () => {
      const r = spawnSync(
        helm,
        [
          'template',
          'bench',
          CHART,
          '--set',
          'load.enabled=true',
          '--set',
          'load.rate=3',
          '--set',
          'load.parallelism=4',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'load.rate (3 req/s) must be at least load.parallelism (4 pods): each pod sends at least 1 req/s',
      );
    });

    it('renders the k6-operator TestRun with the bundled script and the pinned k6 image', () => {
      const manifests = template('load.enabled=true', 'load.engine=k6-operator', 'load.k6.scenario=smoke');
      const run = find(manifests, 'TestRun', 'bench-cloud-benchmark-load', TestRun);
      expect(run.spec.parallelism).toBe(4);
      expect(run.spec.script.configMap).toEqual({ name: 'bench-cloud-benchmark-load-k6', file: 'smoke.js' });
      expect(run.spec.arguments).toBe(
        '-e TARGET_URL=http://bench-cloud-benchmark:8080 -e ENVIRONMENT=kubernetes -e RATE=100 -e DURATION=30s',
      );
      expect(run.spec.runner.image).toBe(versions.K6_IMAGE);
      const script = find(manifests, 'ConfigMap', 'bench-cloud-benchmark-load-k6', ConfigMap).data[
        'smoke.js'
      ]!;
      expect(script).toContain('Generated by `npm run chart:files` from loadtests/smoke.ts');
      expect(script).not.toMatch(/from ["']\.\/lib\//);
      expect(manifests.some((m) => m.kind === 'Job')).toBe(false);
    });

    it('labels every scraped series environment="kubernetes" in the operator objects', () => {
      const manifests = template('metrics.serviceMonitor.enabled=true', 'metrics.podMonitor.enabled=true');
      for (const m of manifests.filter((x) => x.kind === 'ServiceMonitor' || x.kind === 'PodMonitor'))
        expect(JSON.stringify(m.spec)).toContain('{"targetLabel":"environment","replacement":"kubernetes"}');
    });
  });
});
