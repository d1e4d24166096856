// The host-footprint readers on fixed cgroup trees (v1 and v2 layouts, as Docker creates them) and on
// this test's own process, whose RSS the kernel reports.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuForwarding } from '../../harness/environments/processes.ts';
import {
  cgroupWorkingSet,
  containerCgroupDir,
  diskPathOf,
  processCpuSeconds,
  processTree,
  processTreeFootprint,
  rssBytes,
  toHostMemory,
} from '../../harness/footprint.ts';

const ID = 'c0ffee'.repeat(10) + 'abcd';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cb-cgroup-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('host footprint', () => {
  it('finds a container’s memory cgroup in the v1 layout and subtracts inactive file cache', () => {
    const root = tree({
      'memory/memory.usage_in_bytes': '1',
      [`memory/docker/${ID}/memory.usage_in_bytes`]: '104857600\n',
      [`memory/docker/${ID}/memory.stat`]: 'cache 30000000\ntotal_inactive_file 20971520\ninactive_file 1\n',
    });
    const dir = containerCgroupDir(ID, root);
    expect(dir).toBe(join(root, 'memory/docker', ID));
    expect(cgroupWorkingSet(dir!)).toBe(104857600 - 20971520);
  });

  it('finds it in the v2 layout (systemd driver: docker-ID.scope)', () => {
    const root = tree({
      [`system.slice/docker-${ID}.scope/memory.current`]: '52428800\n',
      [`system.slice/docker-${ID}.scope/memory.stat`]: 'anon 1\ninactive_file 10485760\n',
    });
    const dir = containerCgroupDir(ID, root);
    expect(dir).toBe(join(root, 'system.slice', `docker-${ID}.scope`));
    expect(cgroupWorkingSet(dir!)).toBe(52428800 - 10485760);
  });

  it('answers undefined, not 0, where there is no such cgroup or no usage file', () => {
    const root = tree({ 'memory/memory.usage_in_bytes': '1' });
    expect(containerCgroupDir(ID, root)).toBeUndefined();
    expect(cgroupWorkingSet(root)).toBeUndefined();
  });

  it('walks a process tree from its root through every descendant', () => {
    const procs = [
      { pid: 10, ppid: 1, cmdline: 'sh' },
      { pid: 11, ppid: 10, cmdline: 'node' },
      { pid: 12, ppid: 11, cmdline: 'worker' },
      { pid: 13, ppid: 1, cmdline: 'other' },
    ];
    expect(processTree(10, procs).sort()).toEqual([10, 11, 12]);
  });

  it('reads this process’s RSS from /proc, and 0 for a process that does not exist', () => {
    const own = rssBytes(process.pid);
    expect(own).toBeGreaterThan(10 * 2 ** 20);
    expect(rssBytes(2 ** 22 + 7)).toBe(0);
    const sample = processTreeFootprint(process.pid)();
    expect(sample?.bytes).toBeGreaterThanOrEqual(own * 0.5);
    expect(Object.keys(sample!.parts)).toEqual(['process tree']);
    expect(toHostMemory({ bytes: 3 * 2 ** 20, parts: { a: 2 ** 20, b: 2 * 2 ** 20 } })).toEqual({
      maxMiB: 3,
      parts: { a: 1, b: 2 },
    });
  });

  it('reads this process’s CPU time from /proc as process.cpuUsage() counts it, and undefined for none', () => {
    const before = processCpuSeconds(process.pid)!;
    const usage0 = process.cpuUsage();
    // Burn CPU until Node itself counts 0.3 s more: the state to wait for, not a sleep.
    let spins = 0;
    while (process.cpuUsage(usage0).user < 300_000) spins++;
    const usage = process.cpuUsage(usage0);
    const after = processCpuSeconds(process.pid)!;
    expect(spins).toBeGreaterThan(0);
    // Both count every thread; /proc in ticks of 10 ms, so allow a few ticks either way.
    expect(after - before).toBeGreaterThan((usage.user + usage.system) / 1e6 - 0.05);
    expect(after - before).toBeLessThan((usage.user + usage.system) / 1e6 + 0.05);
    expect(processCpuSeconds(2 ** 22 + 7)).toBeUndefined();
  });

  it('finds the qemu process by the host port it forwards, and only that one', () => {
    const qemu = {
      pid: 7,
      ppid: 1,
      cmdline:
        'qemu-system-x86_64 -netdev user,id=net0,hostfwd=tcp:127.0.0.1:22222-:22,hostfwd=tcp:127.0.0.1:28081-:8080 ',
    };
    const all = [{ pid: 6, ppid: 1, cmdline: 'ssh -p 28081 ' }, qemu];
    expect(qemuForwarding(28081, all)).toBe(qemu);
    expect(qemuForwarding(8081, all)).toBeUndefined();
  });

  it('reads the disk image from a qemu command line', () => {
    expect(
      diskPathOf(
        'qemu-system-x86_64 -m 1024 -drive file=/cache/vm/disk.img,format=raw,if=virtio,snapshot=on -netdev user',
      ),
    ).toBe('/cache/vm/disk.img');
    expect(diskPathOf('qemu-system-x86_64 -drive if=virtio,file=/x/y.qcow2 -m 1')).toBe('/x/y.qcow2');
    expect(diskPathOf('qemu-system-x86_64 -hda /a/b.img -m 1')).toBe('/a/b.img');
    expect(diskPathOf('qemu-system-x86_64 -m 1')).toBeUndefined();
  });
});
