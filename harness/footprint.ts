// What an environment costs the host in memory, seen from the host: not the app's own RSS (the same in
// every environment) but everything the host keeps resident so that the app can run there.
// - native: the app's process tree;
// - container: the container's cgroup (working set: usage minus inactive file cache, as `docker stats`
//   and the kubelet count it) plus its containerd shim and, for a published port, its docker-proxy;
// - VM: the qemu process (guest kernel, guest OS and the app inside it).
// Read from /proc and /sys/fs/cgroup, so it needs the environment on this host (not Docker Desktop's
// VM, not a remote VirtualBox).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type ProcInfo, processes, qemuForwarding, statFields } from './environments/processes.ts';

/** One reading: the total and what it is made of (bytes), e.g. { cgroup: …, 'containerd-shim': … }. */
export interface FootprintSample {
  readonly bytes: number;
  readonly parts: Readonly<Record<string, number>>;
}

/** What an environment's footprint is read from; undefined when it cannot be read here. */
export type FootprintReader = () => FootprintSample | undefined;

export const HostMemorySchema = z.object({
  /** Largest total seen during the window (MiB). */
  maxMiB: z.number().nonnegative(),
  /** The parts of that largest reading (MiB). */
  parts: z.record(z.string(), z.number().nonnegative()),
});
export type HostMemory = z.infer<typeof HostMemorySchema>;

/** Resident set of one process in bytes (VmRSS), or 0 when it is gone or unreadable. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants. */
export function processTree(root: number, all: readonly ProcInfo[] = processes()): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++)
    for (const p of all) if (p.ppid === tree[i] && !tree.includes(p.pid)) tree.push(p.pid);
  return tree;
}

export function processTreeFootprint(pid: number): FootprintReader {
  return () => {
    const bytes = processTree(pid).reduce((sum, p) => sum + rssBytes(p), 0);
    return bytes > 0 ? { bytes, parts: { 'process tree': bytes } } : undefined;
  };
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The memory cgroup directory whose name holds the container id (v1: memory/…/ID, v2: …/docker-ID.scope). */
export function containerCgroupDir(containerId: string, root = CGROUP_ROOT): string | undefined {
  const v1 = join(root, 'memory');
  const start = existsSync(join(v1, 'memory.usage_in_bytes')) ? v1 : root;
  const queue: [string, number][] = [[start, 0]];
  while (queue.length) {
    const [dir, depth] = queue.shift()!;
    let children: string[];
    try {
      children = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      continue;
    }
    for (const name of children) {
      if (name.includes(containerId)) return join(dir, name);
      if (depth < 5) queue.push([join(dir, name), depth + 1]);
    }
  }
  return undefined;
}

/** Working set of a memory cgroup (v1 or v2): usage minus inactive file cache, as `docker stats` reports it. */
export function cgroupWorkingSet(dir: string): number | undefined {
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const v1 = read('memory.usage_in_bytes');
  const usage = Number(v1 ?? read('memory.current'));
  if (!Number.isFinite(usage)) return undefined;
  const stat = read('memory.stat') ?? '';
  const inactive = Number(
    (v1 ? /^total_inactive_file (\d+)/m : /^inactive_file (\d+)/m).exec(stat)?.[1] ?? 0,
  );
  return Math.max(0, usage - inactive);
}

/** A container's cgroup working set, plus its shim and the docker-proxy of `hostPort` (when there is one). */
export function containerFootprint(containerId: string, hostPort?: number): FootprintReader {
  let dir: string | undefined;
  let searched = false;
  return () => {
    // The search walks the cgroup tree: once per container, a miss included.
    if (!searched) {
      dir = containerCgroupDir(containerId);
      searched = true;
    }
    const cgroup = dir ? cgroupWorkingSet(dir) : undefined;
    if (cgroup === undefined) return undefined;
    const all = processes();
    const sum = (match: (cmd: string) => boolean) =>
      all.filter((p) => match(p.cmdline)).reduce((s, p) => s + rssBytes(p.pid), 0);
    const parts: Record<string, number> = {
      cgroup,
      'containerd-shim': sum((c) => /containerd-shim/.test(c) && c.includes(containerId)),
    };
    if (hostPort !== undefined)
      parts['docker-proxy'] = sum((c) => c.includes('docker-proxy') && c.includes(`-host-port ${hostPort} `));
    return { bytes: Object.values(parts).reduce((a, b) => a + b, 0), parts };
  };
}

/** The qemu process that forwards `hostPort` (the VM's app port): all the guest costs the host. */
export function qemuFootprint(hostPort: number): FootprintReader {
  return () => {
    const qemu = qemuForwarding(hostPort);
    if (!qemu) return undefined;
    const bytes = rssBytes(qemu.pid);
    return { bytes, parts: { qemu: bytes } };
  };
}

/** The first disk image named on a qemu command line (`-drive file=…,` or `-hda …`). */
export function diskPathOf(cmdline: string): string | undefined {
  return /(?:-drive (?:\S*,)?file=|-hda )([^, ]+)/.exec(cmdline)?.[1];
}

/** The disk image of the qemu process forwarding `hostPort`: its path, and the bytes it occupies. */
export function qemuDisk(hostPort: number): { path: string; bytes: number } | undefined {
  const qemu = qemuForwarding(hostPort);
  const path = qemu && diskPathOf(qemu.cmdline);
  if (!path) return undefined;
  try {
    // Allocated blocks, not the apparent size: a sparse or qcow2 image costs what it holds.
    return { path, bytes: statSync(path).blocks * 512 };
  } catch {
    return undefined;
  }
}

/** Reads the footprint every `everyMs` until stopped; the largest reading and its parts. */
export function watchFootprint(
  read: FootprintReader,
  everyMs = 1000,
): { stop: () => Promise<HostMemory | undefined> } {
  let best: FootprintSample | undefined;
  let stopped = false;
  const take = () => {
    const s = read();
    if (s && (!best || s.bytes > best.bytes)) best = s;
  };
  const loop = (async () => {
    while (!stopped) {
      take();
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      take();
      return best && toHostMemory(best);
    },
  };
}

const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

export function toHostMemory(s: FootprintSample): HostMemory {
  return {
    maxMiB: mib(s.bytes),
    parts: Object.fromEntries(Object.entries(s.parts).map(([k, v]) => [k, mib(v)])),
  };
}

const USER_HZ = 100;

/**
 * CPU time (user + system, every thread) a process has used, in seconds, or undefined once it is gone.
 * /proc/PID/stat counts it in clock ticks of 1/100 s on Linux (USER_HZ); over a run of seconds that is
 * well below the differences measured with it.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}
