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

export function readCgroupLimits(root = '/sys/fs/cgroup'): CgroupLimits {
  const cpuMax = read(`${root}/cpu.max`);
  const memMax = read(`${root}/memory.max`);
  if (cpuMax !== undefined || memMax !== undefined) {
    return {
      version: 'v2',
      cpus: cpuMax === undefined ? null : parseCpuMax(cpuMax),
      memoryBytes: memMax === undefined ? null : parseMemoryLimit(memMax),
    };
  }
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
