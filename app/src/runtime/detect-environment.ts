// Where is this process running: on the bare host, in a container, in a virtual machine, or as a
// Kubernetes pod (a container too, but scheduled, limited and reached through a Service)?
// The decision is a pure function of probe results so it can be tested for every combination;
// the probes that read the real machine live in `readEnvironmentProbes`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { DeploymentEnvironment } from '../config/config.ts';

export interface EnvironmentProbes {
  /** The kubelet's marks on every pod: the service-account token mount, or KUBERNETES_SERVICE_HOST. */
  readonly kubernetes?: { readonly serviceAccountToken: boolean; readonly serviceHost: string | undefined };
  /** `/.dockerenv` or `/run/.containerenv` exists. */
  readonly containerMarkerFile: boolean;
  /** The `container` variable set by systemd-nspawn, podman, LXC and others. */
  readonly containerVariable: string | undefined;
  /** Contents of /proc/1/cgroup (empty string when unreadable). */
  readonly pid1Cgroup: string;
  /** Output of `systemd-detect-virt` (e.g. `none`, `docker`, `kvm`, `qemu`), undefined when absent. */
  readonly systemdDetectVirt: string | undefined;
  /** DMI sys_vendor and product_name joined (empty string when there is no DMI). */
  readonly dmi: string;
}

export interface DetectedEnvironment {
  readonly environment: DeploymentEnvironment;
  /** Which evidence decided, for /status and logs. */
  readonly reason: string;
}

const CONTAINER_CGROUP = /docker|containerd|kubepods|libpod|lxc|crio/;
const CONTAINER_VIRT = new Set([
  'docker',
  'podman',
  'lxc',
  'lxc-libvirt',
  'systemd-nspawn',
  'rkt',
  'wsl',
  'proot',
  'pouch',
  'openvz',
]);
const VM_DMI =
  /qemu|kvm|virtualbox|innotek|vmware|xen|bochs|microsoft corporation|parallels|bhyve|amazon ec2|google compute engine/i;

export function decideEnvironment(
  probes: EnvironmentProbes,
  override: DeploymentEnvironment | undefined,
): DetectedEnvironment {
  if (override) return { environment: override, reason: 'APP_ENVIRONMENT' };
  // Before the container checks: a pod is a container, and the more specific answer wins.
  if (probes.kubernetes?.serviceAccountToken)
    return { environment: 'kubernetes', reason: 'service-account token' };
  if (probes.kubernetes?.serviceHost) return { environment: 'kubernetes', reason: 'KUBERNETES_SERVICE_HOST' };
  if (probes.containerMarkerFile) return { environment: 'container', reason: 'container marker file' };
  if (probes.containerVariable)
    return { environment: 'container', reason: `container=${probes.containerVariable}` };
  if (CONTAINER_CGROUP.test(probes.pid1Cgroup))
    return { environment: 'container', reason: 'cgroup of pid 1' };
  const virt = probes.systemdDetectVirt;
  if (virt && CONTAINER_VIRT.has(virt))
    return { environment: 'container', reason: `systemd-detect-virt=${virt}` };
  if (virt && virt !== 'none') return { environment: 'vm', reason: `systemd-detect-virt=${virt}` };
  if (VM_DMI.test(probes.dmi)) return { environment: 'vm', reason: 'DMI vendor' };
  return { environment: 'native', reason: 'no container or hypervisor evidence' };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function runSystemdDetectVirt(): string | undefined {
  try {
    // Exits non-zero when it prints "none"; the output is what matters.
    return execFileSync('systemd-detect-virt', [], {
      encoding: 'utf8',
      timeout: 1000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch (error) {
    const out = (error as { stdout?: unknown }).stdout;
    return typeof out === 'string' && out.trim() !== '' ? out.trim() : undefined;
  }
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The machine's evidence. The two costly probes, running `systemd-detect-virt` (a process: ~4 ms where
 * it is absent, ~15 ms where it runs) and reading DMI, are getters, so they run only when the cheaper
 * evidence before them in `decideEnvironment` has not decided: a container is told by its marker file
 * without spawning anything at start-up.
 */
export function readEnvironmentProbes(): EnvironmentProbes {
  let virt: { value: string | undefined } | undefined;
  let dmi: string | undefined;
  return {
    kubernetes: {
      serviceAccountToken: existsSync(SERVICE_ACCOUNT_TOKEN),
      serviceHost: process.env.KUBERNETES_SERVICE_HOST || undefined,
    },
    containerMarkerFile: existsSync('/.dockerenv') || existsSync('/run/.containerenv'),
    containerVariable: process.env.container,
    pid1Cgroup: readOr('/proc/1/cgroup', ''),
    get systemdDetectVirt() {
      virt ??= { value: runSystemdDetectVirt() };
      return virt.value;
    },
    get dmi() {
      dmi ??=
        `${readOr('/sys/class/dmi/id/sys_vendor', '')} ${readOr('/sys/class/dmi/id/product_name', '')}`.trim();
      return dmi;
    },
  };
}

/** Decides once per process; the answer cannot change while it runs. */
let cached: DetectedEnvironment | undefined;
export function detectEnvironment(override: DeploymentEnvironment | undefined): DetectedEnvironment {
  if (override)
    return decideEnvironment(
      {
        containerMarkerFile: false,
        containerVariable: undefined,
        pid1Cgroup: '',
        systemdDetectVirt: undefined,
        dmi: '',
      },
      override,
    );
  cached ??= decideEnvironment(readEnvironmentProbes(), undefined);
  return cached;
}
