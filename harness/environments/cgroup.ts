// A cgroup for the native baseline with the container's limits, so the host process gets the same CPU
// quota and memory limit (and /status can show it). cgroup v2 where the unified hierarchy is mounted at
// the root, else v1 (cpu and memory controllers). Needs write access to /sys/fs/cgroup (root).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;

export interface LimitGroup {
  /** cgroup.procs files a process writes its pid into to join the group. */
  readonly procsFiles: readonly string[];
  readonly version: 'v1' | 'v2';
  remove(): Promise<void>;
}

/** Removes an empty group directory; a task that just exited can hold it a moment longer (EBUSY). */
export async function removeGroupDir(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 40) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Groups `<prefix><pid>` left by runs that were killed before cleaning up (their pid is gone). */
function sweepStale(parents: readonly string[], prefix: string): void {
  for (const parent of parents) {
    for (const entry of existsSync(parent) ? readdirSync(parent) : []) {
      const pid = Number(entry.slice(prefix.length));
      if (entry.startsWith(prefix) && Number.isSafeInteger(pid) && pid > 0 && !alive(pid)) {
        try {
          rmdirSync(join(parent, entry));
        } catch {
          // not empty: something still runs there; leave it
        }
      }
    }
  }
}

export function createLimitGroup(
  name: string,
  cpus: number,
  memoryMib: number,
  root = '/sys/fs/cgroup',
): LimitGroup {
  const prefix = name.replace(/\d+$/, '');
  if (prefix !== name) sweepStale([root, join(root, 'cpu'), join(root, 'memory')], prefix);
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
    return { version: 'v2', procsFiles: [join(dir, 'cgroup.procs')], remove: () => removeGroupDir(dir) };
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
    remove: async () => {
      await removeGroupDir(cpuDir);
      await removeGroupDir(memDir);
    },
  };
}
