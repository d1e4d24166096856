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

/**
 * cgroup v2: the tightest limit from this process's own cgroup up to the root. Under systemd the
 * service's limits (MemoryMax, CPUQuota) sit on its own cgroup, e.g. /system.slice/cloud-benchmark.service;
 * in a container the namespace makes that "/". Directories that are not visible are skipped.
 */
function readV2(root: string, path: string): CgroupLimits | undefined {
  const parts = path.split('/').filter(Boolean);
  let found = false;
  let cpus: number | null = null;
  let memoryBytes: number | null = null;
  for (let depth = parts.length; depth >= 0; depth--) {
    const dir = [root, ...parts.slice(0, depth)].join('/');
    const cpuMax = read(`${dir}/cpu.max`);
    const memMax = read(`${dir}/memory.max`);
    if (cpuMax === undefined && memMax === undefined) continue;
    found = true;
    if (cpuMax !== undefined) cpus = tighter(cpus, parseCpuMax(cpuMax));
    if (memMax !== undefined) memoryBytes = tighter(memoryBytes, parseMemoryLimit(memMax));
  }
  return found ? { version: 'v2', cpus, memoryBytes } : undefined;
}

export function readCgroupLimits(root = '/sys/fs/cgroup', path = ownCgroupPath()): CgroupLimits {
  const v2 = readV2(root, path);
  if (v2) return v2;
  const quota = read(`${root}/cpu/cpu.cfs_quota_us`);
  const period = read(`${root}/cpu/cpu.cfs_period_us`);
  const memV1 = read(`${root}/memory/memory.limit_in_bytes`);
  if (quota !== undefined || memV1 !== undefined) {
    return {
      version: 'v1',
      cpus: quota !== undefined && period !== undefined ? parseCfsQuota(quota, period) : null,
      memoryBytes: memV1 === undefined ? null : parseMemoryLimit(memV1),
    };
  }
  return { version: 'none', cpus: null, memoryBytes: null };
}
