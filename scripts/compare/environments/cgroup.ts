// A cgroup for the native baseline with the container's limits, so the host process gets the same CPU
// quota and memory limit (and /status can show it). cgroup v2 where the unified hierarchy is mounted at
// the root, else v1 (cpu and memory controllers). Needs write access to /sys/fs/cgroup (root).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;

export interface LimitGroup {
  /** cgroup.procs files a process writes its pid into to join the group. */
  readonly procsFiles: readonly string[];
  readonly version: 'v1' | 'v2';
  remove(): void;
}

export function createLimitGroup(
  name: string,
  cpus: number,
  memoryMib: number,
  root = '/sys/fs/cgroup',
): LimitGroup {
  const quota = String(Math.round(cpus * PERIOD_US));
  const bytes = String(memoryMib * 2 ** 20);
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const controllers = readFileSync(join(root, 'cgroup.subtree_control'), 'utf8');
    if (!/\bcpu\b/.test(controllers) || !/\bmemory\b/.test(controllers))
      writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu +memory');
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    writeFileSync(join(dir, 'memory.max'), bytes);
    return { version: 'v2', procsFiles: [join(dir, 'cgroup.procs')], remove: () => rmdirSync(dir) };
  }
  const cpuDir = join(root, 'cpu', name);
  const memDir = join(root, 'memory', name);
  mkdirSync(cpuDir, { recursive: true });
  mkdirSync(memDir, { recursive: true });
  writeFileSync(join(cpuDir, 'cpu.cfs_period_us'), String(PERIOD_US));
  writeFileSync(join(cpuDir, 'cpu.cfs_quota_us'), quota);
  writeFileSync(join(memDir, 'memory.limit_in_bytes'), bytes);
  return {
    version: 'v1',
    procsFiles: [join(cpuDir, 'cgroup.procs'), join(memDir, 'cgroup.procs')],
    remove: () => {
      rmdirSync(cpuDir);
      rmdirSync(memDir);
    },
  };
}
