// The app as a pod, installed with the project's Helm chart at the compared size (requests = limits), one
// replica in a namespace of its own. Two load paths, as the container has: the Service's cluster IP
// (through kube-proxy's rules, as a client in the cluster reaches it) and the pod's IP (no proxy). Both
// must be routable from this machine: a node of the cluster, or the local test cluster ("local"), which
// the compare brings up (and, if it did, takes down again).
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { firstHealthy } from '../app-probe.ts';
import {
  CHART,
  clusterDown,
  clusterIsUp,
  clusterUp,
  helm,
  isReady,
  kubectl,
  pods,
  setArgs,
  splitImage,
  testClusterUnavailable,
  useKubeconfig,
} from '../kubernetes.ts';
import { poll } from '../poll.ts';
import { z } from 'zod';
import type { AppSettings, Environment, Started } from './environment.ts';

export type KubernetesMode = 'local' | 'kubeconfig';

export interface KubernetesOptions {
  readonly mode: KubernetesMode;
  /** The app image as the cluster's nodes know it. */
  readonly image: string;
  /** Pin the pod to this node (default for "local": node 1, which runs in this host's namespaces). */
  readonly node?: string;
  readonly log?: (line: string) => void;
}

export function kubernetesEnvironment(settings: AppSettings, o: KubernetesOptions): Environment {
  const namespace = `cb-compare-${randomBytes(3).toString('hex')}`;
  const node = o.node ?? (o.mode === 'local' ? 'cb-node1' : undefined);
  const releases = new Set<string>();
  let count = 0;
  let broughtUp = false;
  let namespaceMade = false;
  const { repository, tag } = splitImage(o.image);
  const values = {
    'app.image.repository': repository,
    'app.image.tag': tag,
    // The local cluster has the image imported; elsewhere the nodes pull as they are configured to.
    ...(o.mode === 'local' ? { 'app.image.pullPolicy': 'Never' } : {}),
    'app.replicas': 1,
    'app.cpus': String(settings.cpus),
    'app.memoryMiB': settings.memoryMib,
    'app.podDisruptionBudget.enabled': false,
    'collector.enabled': false,
    'dashboards.enabled': false,
    ...(settings.otlpEndpoint ? { otlpEndpoint: settings.otlpEndpoint } : {}),
    ...(node ? { 'app.nodeSelector.kubernetes\\.io/hostname': node } : {}),
  };
  const uninstall = async (release: string) => {
    await helm(['uninstall', release, '-n', namespace, '--wait', '--timeout', '2m']).catch(() => undefined);
    releases.delete(release);
  };

  return {
    name: 'kubernetes',
    async unavailable() {
      if (o.mode === 'local') {
        const why = testClusterUnavailable();
        if (why) return `the local test cluster cannot run: ${why}`;
        useKubeconfig(undefined);
        // A cluster that was up already stays up afterwards; one brought up here goes again.
        broughtUp = !(await clusterIsUp());
        o.log?.('the local test cluster (scripts/k8s/cluster.sh up), with the app image imported');
        await clusterUp([o.image]);
      } else {
        useKubeconfig(process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config'));
      }
      try {
        await kubectl(['get', '--raw', '/readyz']);
      } catch (error) {
        return `no Kubernetes API answers with the current kubeconfig (${(error as Error).message.split('\n')[0]})`;
      }
      await kubectl(['create', 'namespace', namespace]);
      namespaceMade = true;
      return undefined;
    },
    async describe() {
      const version = JSON.parse(await kubectl(['version', '-o', 'json'])) as {
        serverVersion?: { gitVersion?: string };
      };
      const nodes = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as {
        items: { metadata: { name: string }; status: { nodeInfo: { containerRuntimeVersion: string } } }[];
      };
      const on = nodes.items.find((n) => n.metadata.name === node) ?? nodes.items[0];
      return {
        image: o.image,
        cluster:
          o.mode === 'local' ? 'local test cluster (scripts/k8s/cluster.sh)' : 'current kubeconfig context',
        'Kubernetes server': version.serverVersion?.gitVersion ?? 'unknown',
        node: node ?? 'any (scheduler)',
        'container runtime': on?.status.nodeInfo.containerRuntimeVersion ?? 'unknown',
        limits: `requests = limits: cpu ${settings.cpus}, memory ${settings.memoryMib}Mi (Guaranteed QoS)`,
        chart: 'deploy/helm/cloud-benchmark, one replica, no Collector',
      };
    },
    async cleanup() {
      await Promise.all([...releases].map(uninstall));
      if (namespaceMade)
        await kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=120s']).catch(
          () => undefined,
        );
      namespaceMade = false;
      if (broughtUp) {
        broughtUp = false;
        await clusterDown();
      }
    },
    async start(): Promise<Started> {
      const release = `app-${++count}`;
      releases.add(release);
      const stop = () => uninstall(release);
      // Start command → first 200: helm install (without --wait), then the pod's own address answers.
      // The cluster's own steps (scheduling, EndpointSlice, kube-proxy's rules) can lag on a busy one.
      const clusterWaitMs = Math.max(settings.healthTimeoutMs, 120_000);
      const t0 = performance.now();
      try {
        await helm(['install', release, CHART, '-n', namespace, ...setArgs(values)]);
        const selector = `app.kubernetes.io/instance=${release},app.kubernetes.io/component=app`;
        // A pod waits unscheduled while no node has its CPU and memory free (a busy cluster's
        // terminating pods still hold theirs): wait as for the Service, and say why if it never runs.
        let last: Awaited<ReturnType<typeof pods>>[number] | undefined;
        const podIp = await poll(
          async () => {
            [last] = await pods(namespace, selector);
            return last?.status.podIP;
          },
          {
            what: `a pod IP for ${release}`,
            timeoutMs: clusterWaitMs,
            intervalMs: 50,
          },
        ).catch((error: unknown) => {
          const why = (last?.status.conditions ?? [])
            .filter((c) => c.status !== 'True' && c.message)
            .map((c) => `${c.type}: ${c.message}`);
          throw new Error(
            `${(error as Error).message}; the pod: ${last ? `${last.status.phase}${why.length > 0 ? ` (${why.join('; ')})` : ''}` : 'none'}`,
            { cause: error },
          );
        });
        const direct = `http://${podIp}:8080`;
        // The pod has its IP before its container runs: creating that is the node's work too, and as
        // slow as a busy node makes it.
        const startupMs = await firstHealthy(direct, t0, clusterWaitMs);
        // Ready: the Service's endpoints include it, so both paths serve.
        await poll(async () => ((await pods(namespace, selector)).some(isReady) ? true : undefined), {
          what: `${release} ready`,
          timeoutMs: clusterWaitMs,
          intervalMs: 200,
        });
        const serviceIp = (
          await kubectl([
            '-n',
            namespace,
            'get',
            'svc',
            `${release}-cloud-benchmark`,
            '-o',
            'jsonpath={.spec.clusterIP}',
          ])
        ).trim();
        const viaService = `http://${serviceIp}:8080`;
        // The Service answers once its EndpointSlice lists the pod as ready (the controller manager's
        // work, which a busy control plane can take a while to do) and kube-proxy has its rules.
        const EndpointSlices = z.object({
          items: z.array(
            z.object({
              endpoints: z
                .array(
                  z.object({
                    addresses: z.array(z.string()),
                    conditions: z.object({ ready: z.boolean().optional() }),
                  }),
                )
                .nullish(),
            }),
          ),
        });
        await poll(
          async () => {
            const slices = EndpointSlices.parse(
              JSON.parse(
                await kubectl([
                  '-n',
                  namespace,
                  'get',
                  'endpointslices',
                  '-l',
                  `kubernetes.io/service-name=${release}-cloud-benchmark`,
                  '-o',
                  'json',
                ]),
              ),
            );
            return slices.items.some((e) =>
              (e.endpoints ?? []).some((p) => p.addresses.includes(podIp) && p.conditions.ready),
            )
              ? true
              : undefined;
          },
          { what: `the Service of ${release} listing its pod`, timeoutMs: clusterWaitMs, intervalMs: 250 },
        );
        // kube-proxy's rules follow the EndpointSlice, as late as a busy control plane makes them.
        await firstHealthy(viaService, performance.now(), clusterWaitMs).catch(async (error: unknown) => {
          // What the Service had to offer, for the reader of the error.
          const slices = await kubectl(['-n', namespace, 'get', 'endpointslices', '-o', 'wide']).catch(
            (e: unknown) => (e as Error).message,
          );
          throw new Error(`${(error as Error).message}; the Service's endpoints:\n${slices}`, {
            cause: error,
          });
        });
        return {
          paths: [
            { label: 'kubernetes (Service)', url: viaService, note: 'kube-proxy (iptables)' },
            { label: 'kubernetes (pod IP)', url: direct, note: 'no proxy' },
          ],
          startupMs,
          stop,
        };
      } catch (error) {
        await stop();
        throw error;
      }
    },
  };
}
