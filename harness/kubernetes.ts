// A Kubernetes cluster as the harness uses it: the local test cluster (scripts/k8s/cluster.sh), kubectl
// and helm with its kubeconfig, the chart installed into a namespace, and the chart's load Job read back
// into one result with the same statistics as the compare command's own load.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { type LoadResult, summarize } from './load-driver.ts';
import { REPO_ROOT, toolchainCache, versions } from './project-env.ts';

const run = promisify(execFile);

export const CHART = join(REPO_ROOT, 'deploy/helm/cloud-benchmark');
const CLUSTER_SCRIPT = join(REPO_ROOT, 'scripts/k8s/cluster.sh');

/** Where the test cluster keeps its state and the programs it runs (as scripts/k8s/cluster.sh has them). */
export function testCluster() {
  const bin = process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin');
  const kbin = join(bin, `kubernetes-${versions.KUBERNETES_MODULE_VERSION}`);
  const state = process.env.CB_K8S_DIR ?? '/var/lib/cloud-benchmark/k8s';
  return {
    kubeconfig: join(state, 'admin.kubeconfig'),
    kubectl: join(kbin, 'kubectl'),
    helm: join(bin, 'helm'),
    kubeconform: join(bin, 'kubeconform'),
    vegeta: join(bin, 'vegeta'),
    programs: [join(kbin, 'kube-apiserver'), join(kbin, 'kubelet'), join(bin, 'etcd'), join(bin, 'coredns')],
  };
}

/** Why the test cluster cannot run here, or undefined. */
export function testClusterUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the test cluster needs root (network namespaces, mounts, iptables)';
  const c = testCluster();
  const missing = [...c.programs, c.helm, c.kubeconform].filter((p) => !existsSync(p));
  if (missing.length > 0)
    return `not built: ${missing.join(', ')} (bash scripts/toolchain/go-programs.sh kubernetes etcd coredns helm kubeconform)`;
  return undefined;
}

/** Runs cluster.sh with its output on this process's, so a slow step shows where it is. */
function clusterScript(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [CLUSTER_SCRIPT, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`scripts/k8s/cluster.sh ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** Brings the two-node test cluster up (or keeps it) and imports the Docker images into both nodes. */
export const clusterUp = (images: readonly string[]) => clusterScript(['up', ...images]);
export const clusterDown = () => clusterScript(['down']);

/** Whether the test cluster is up now (its API server running, both nodes Ready). */
export async function clusterIsUp(): Promise<boolean> {
  const { stdout } = await run('bash', [CLUSTER_SCRIPT, 'status']).catch(() => ({ stdout: 'down' }));
  return stdout.trim() !== 'down';
}

// kubectl and helm talk to the test cluster unless told to use another kubeconfig.
let kubeconfig: string | undefined;
/** Points kubectl and helm at this kubeconfig (undefined: the test cluster's). */
export function useKubeconfig(path: string | undefined): void {
  kubeconfig = path;
}
const env = () => ({ ...process.env, KUBECONFIG: kubeconfig ?? testCluster().kubeconfig });
/** The toolchain's build where there is one, else the program on PATH. */
const program = (built: string, name: string) => (existsSync(built) ? built : name);

export async function kubectl(args: readonly string[], input?: string): Promise<string> {
  if (input !== undefined) {
    return new Promise((resolve, reject) => {
      const child = spawn(program(testCluster().kubectl, 'kubectl'), args, {
        env: env(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve(out)
          : reject(new Error(`kubectl ${args.join(' ')}: ${err.trim() || `exit ${code}`}`)),
      );
      child.stdin.end(input);
    });
  }
  try {
    return (
      await run(program(testCluster().kubectl, 'kubectl'), [...args], { env: env(), maxBuffer: 256 << 20 })
    ).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

export async function helm(args: readonly string[]): Promise<string> {
  try {
    return (await run(program(testCluster().helm, 'helm'), [...args], { env: env(), maxBuffer: 64 << 20 }))
      .stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    // Helm warns on stderr about the chart's linked files on every call; the error is what else it says.
    const said = (e.stderr ?? '')
      .split('\n')
      .filter((l) => l.trim() && !/found symbolic link in path/.test(l))
      .join('\n');
    throw new Error(`helm ${args.join(' ')}: ${said || e.message}`, { cause: error });
  }
}

/** An image reference as the chart's `image.repository` and `image.tag` take it. */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  if (at <= image.lastIndexOf('/')) return { repository: image, tag: 'latest' };
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

/** `--set` arguments from a flat map (helm's own syntax: dots nest, values typed as helm types them). */
export const setArgs = (values: Record<string, string | number | boolean>) =>
  Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);

const PodList = z.object({
  items: z.array(
    z.object({
      metadata: z.object({
        name: z.string(),
        uid: z.string(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
        /** Set while the pod terminates: it still holds its node's resources. */
        deletionTimestamp: z.string().optional(),
      }),
      spec: z.object({ nodeName: z.string().optional() }),
      status: z.object({
        phase: z.string(),
        podIP: z.string().optional(),
        conditions: z
          .array(z.object({ type: z.string(), status: z.string(), message: z.string().optional() }))
          .optional(),
      }),
    }),
  ),
});
export type Pod = z.infer<typeof PodList>['items'][number];

export async function pods(namespace: string, selector: string): Promise<Pod[]> {
  return PodList.parse(
    JSON.parse(await kubectl(['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'json'])),
  ).items;
}

export const isReady = (p: Pod) =>
  p.status.phase === 'Running' &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const BEGIN = '-----BEGIN VEGETA RESULTS (gzip, base64)-----';
const END = '-----END VEGETA RESULTS-----';
const HEADER = /^cloud-benchmark load: index=(\d+) node=(\S+) rate=(\d+)\/s duration=(\d+)s$/m;

/** What one load pod printed: its share, its node and its binary results. */
export interface LoadPodOutput {
  readonly index: number;
  readonly node: string;
  readonly rate: number;
  readonly durationSeconds: number;
  readonly results: Buffer;
}

/** Parses a load pod's log (templates/load.yaml): a clear error when the pod did not finish its run. */
export function parseLoadPodLog(log: string, pod = 'load pod'): LoadPodOutput {
  const header = HEADER.exec(log);
  const begin = log.indexOf(BEGIN);
  const end = log.indexOf(END);
  if (!header || begin < 0 || end < begin)
    throw new Error(
      `${pod}: no complete results in its log (last lines: ${log.trim().split('\n').slice(-3).join(' | ')})`,
    );
  const base64 = log.slice(begin + BEGIN.length, end).replace(/\s+/g, '');
  return {
    index: Number(header[1]),
    node: header[2]!,
    rate: Number(header[3]),
    durationSeconds: Number(header[4]),
    results: gunzipSync(Buffer.from(base64, 'base64')),
  };
}

export interface DistributedLoad {
  /** Every request of every pod, as one run: the compare command's statistics. */
  readonly result: LoadResult;
  readonly pods: readonly (Omit<LoadPodOutput, 'results'> & { name: string; sent: number; ok: number })[];
}

/**
 * Reads the chart's load Job back: each pod's results from its log, merged into one result at the
 * Job's total rate. Fails when a pod did not complete, or the Job ran a different number of pods.
 */
export async function readLoadJob(
  namespace: string,
  release: string,
  vegeta: string,
): Promise<DistributedLoad> {
  const job = `${release.includes('cloud-benchmark') ? release : `${release}-cloud-benchmark`}-load`;
  const list = await pods(namespace, `job-name=${job}`);
  if (list.length === 0) throw new Error(`no pods of Job ${namespace}/${job}`);
  const dir = mkdtempSync(join(tmpdir(), 'cb-load-job-'));
  try {
    const outputs: (LoadPodOutput & { name: string })[] = [];
    for (const p of list) {
      if (p.status.phase !== 'Succeeded') throw new Error(`load pod ${p.metadata.name} is ${p.status.phase}`);
      const out = parseLoadPodLog(await kubectl(['-n', namespace, 'logs', p.metadata.name]), p.metadata.name);
      outputs.push({ ...out, name: p.metadata.name });
    }
    outputs.sort((a, b) => a.index - b.index);
    const files = outputs.map((o) => {
      const f = join(dir, `${o.index}.bin`);
      writeFileSync(f, o.results);
      return f;
    });
    const rate = outputs.reduce((s, o) => s + o.rate, 0);
    const result = await summarize(vegeta, files, rate, outputs[0]!.durationSeconds);
    const perPod = await Promise.all(
      outputs.map(async (o, i) => {
        const r = await summarize(vegeta, [files[i]!], o.rate, o.durationSeconds);
        return {
          index: o.index,
          node: o.node,
          rate: o.rate,
          durationSeconds: o.durationSeconds,
          name: o.name,
          sent: r.sent,
          ok: r.ok,
        };
      }),
    );
    return { result, pods: perPod };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
