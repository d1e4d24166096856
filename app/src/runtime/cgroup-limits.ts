// The CPU and memory limits a cgroup imposes on this process, so /status can prove that the
// container and the VM were given the same resources. cgroup v2 first, v1 as a fallback.
import { readFileSync } from 'node:fs';

export interface CgroupLimits {
  /** CPUs allowed by the quota (e.g. 1.5), null when unlimited or unknown. */
  readonly cpus: number | null;
  /** Memory limit in bytes, null when unlimited or unknown. */
  readonly memoryBytes: number | null;
  readonly version: 'v2' | 'v1' | 'none';
}

/** Parses cgroup v2 `cpu.max` ("max 100000" or "150000 100000"). */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (!quota || quota === 'max' || !period) return null;
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : null;
}

/** Parses cgroup v2 `memory.max` or v1 `memory.limit_in_bytes`; v1 writes a huge number for "no limit". */
export function parseMemoryLimit(text: string): number | null {
  const value = text.trim();
  if (value === '' || value === 'max') return null;
  const bytes = Number(value);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return null;
  return bytes >= 2 ** 60 ? null : bytes;
}

/** Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` (quota -1 means unlimited). */
export function parseCfsQuota(quotaText: string, periodText: string): number | null {
  const quota = Number(quotaText.trim());
  const period = Number(periodText.trim());
  return quota > 0 && period > 0 ? quota / period : null;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** This process's cgroup v2 path ("0::/system.slice/x.service" → "/system.slice/x.service"); "/" in a container. */
export function ownCgroupPath(procSelfCgroup = read('/proc/self/cgroup')): string {
  const line = procSelfCgroup?.split('\n').find((l) => l.startsWith('0::'));
  const path = line?.slice(3).trim();
  return path?.startsWith('/') ? path : '/';
}

/** The smaller of two limits, null meaning "no limit". */
function tighter(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** The directories from `root + path` up to `root`, deepest first. */
function upToRoot(root: string, path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => [root, ...parts.slice(0, parts.length - i)].join('/')).concat(root);
}

/**
 * cgroup v2: the tightest limit from this process's own cgroup up to the root. Under systemd the
 * service's limits (MemoryMax, CPUQuota) sit on its own cgroup, e.g. /system.slice/cloud-benchmark.service;
 * in a container the namespace makes that "/". Directories that are not visible are skipped.
 */
function readV2(root: string, path: string): CgroupLimits | undefined {
  let found = false;
  let cpus: number | null = null;
  let memoryBytes: number | null = null;
  for (const dir of upToRoot(root, path)) {
    const cpuMax = read(`${dir}/cpu.max`);
    const memMax = read(`${dir}/memory.max`);
    if (cpuMax === undefined && memMax === undefined) continue;
    found = true;
    if (cpuMax !== undefined) cpus = tighter(cpus, parseCpuMax(cpuMax));
    if (memMax !== undefined) memoryBytes = tighter(memoryBytes, parseMemoryLimit(memMax));
  }
  return found ? { version: 'v2', cpus, memoryBytes } : undefined;
}

/** cgroup v1: each controller's path for this process ("4:memory:/x" → { memory: "/x" }). */
export function ownV1Paths(procSelfCgroup = read('/proc/self/cgroup')): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const line of procSelfCgroup?.split('\n') ?? []) {
    const m = /^\d+:([^:]+):(\/.*)$/.exec(line.trim());
    if (m) for (const controller of m[1]!.split(',')) paths[controller] = m[2]!;
  }
  return paths;
}

/**
 * cgroup v1, per controller, the tightest limit from the process's own group up to the hierarchy's root:
 * a host process placed in a group (the compare command's native baseline) has its limits there; in a
 * container the group is mounted as the root and the host path is not visible, so only the root counts.
 */
function readV1(root: string, paths: Record<string, string>): CgroupLimits | undefined {
  let found = false;
  let cpus: number | null = null;
  let memoryBytes: number | null = null;
  for (const dir of upToRoot(`${root}/cpu`, paths.cpu ?? '/')) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota === undefined || period === undefined) continue;
    found = true;
    cpus = tighter(cpus, parseCfsQuota(quota, period));
  }
  for (const dir of upToRoot(`${root}/memory`, paths.memory ?? '/')) {
    const limit = read(`${dir}/memory.limit_in_bytes`);
    if (limit === undefined) continue;
    found = true;
    memoryBytes = tighter(memoryBytes, parseMemoryLimit(limit));
  }
  return found ? { version: 'v1', cpus, memoryBytes } : undefined;
}

export function readCgroupLimits(
  root = '/sys/fs/cgroup',
  path = ownCgroupPath(),
  v1Paths = ownV1Paths(),
): CgroupLimits {
  return readV2(root, path) ?? readV1(root, v1Paths) ?? { version: 'none', cpus: null, memoryBytes: null };
}
