import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ownCgroupPath,
  ownV1Paths,
  parseCfsQuota,
  parseCpuMax,
  parseMemoryLimit,
  readCgroupLimits,
} from '../src/runtime/cgroup-limits.ts';
import {
  decideEnvironment,
  readEnvironmentProbes,
  type EnvironmentProbes,
} from '../src/runtime/detect-environment.ts';

const bare: EnvironmentProbes = {
  containerMarkerFile: false,
  containerVariable: undefined,
  pid1Cgroup: '0::/init.scope\n',
  systemdDetectVirt: 'none',
  dmi: 'Dell Inc. PowerEdge R650',
};

describe('decideEnvironment', () => {
  it.each<[string, Partial<EnvironmentProbes>, string]>([
    ['bare metal', {}, 'native'],
    ['Docker marker file', { containerMarkerFile: true }, 'container'],
    ['podman/nspawn variable', { containerVariable: 'podman' }, 'container'],
    ['cgroup v1 docker path', { pid1Cgroup: '12:pids:/docker/3f1c\n' }, 'container'],
    [
      'kubepods cgroup without the kubelet’s marks',
      { pid1Cgroup: '0::/kubepods/burstable/pod1\n' },
      'container',
    ],
    [
      'kubernetes pod: service-account token',
      { containerMarkerFile: true, kubernetes: { serviceAccountToken: true, serviceHost: undefined } },
      'kubernetes',
    ],
    [
      'kubernetes pod without a token (automountServiceAccountToken: false)',
      {
        pid1Cgroup: '0::/kubepods/pod1\n',
        kubernetes: { serviceAccountToken: false, serviceHost: '10.96.0.1' },
      },
      'kubernetes',
    ],
    ['systemd-detect-virt docker', { systemdDetectVirt: 'docker' }, 'container'],
    ['systemd-detect-virt kvm', { systemdDetectVirt: 'kvm' }, 'vm'],
    ['systemd-detect-virt qemu (TCG)', { systemdDetectVirt: 'qemu' }, 'vm'],
    ['VirtualBox by DMI only', { systemdDetectVirt: undefined, dmi: 'innotek GmbH VirtualBox' }, 'vm'],
    ['QEMU by DMI only', { systemdDetectVirt: undefined, dmi: 'QEMU Standard PC (Q35 + ICH9, 2009)' }, 'vm'],
    [
      'container inside a VM counts as container',
      { containerMarkerFile: true, systemdDetectVirt: 'kvm' },
      'container',
    ],
  ])('%s → %s', (_name, probes, expected) => {
    expect(decideEnvironment({ ...bare, ...probes }, undefined).environment).toBe(expected);
  });

  it('lets APP_ENVIRONMENT override any evidence, and says so', () => {
    const d = decideEnvironment({ ...bare, containerMarkerFile: true }, 'native');
    expect(d).toEqual({ environment: 'native', reason: 'APP_ENVIRONMENT' });
  });

  describe('the probes of this machine', () => {
    // A stand-in systemd-detect-virt first on PATH that counts its runs.
    const dir = mkdtempSync(join(tmpdir(), 'cb-virt-'));
    const runs = join(dir, 'runs');
    writeFileSync(join(dir, 'systemd-detect-virt'), `#!/bin/sh\necho run >> '${runs}'\necho kvm\n`);
    chmodSync(join(dir, 'systemd-detect-virt'), 0o755);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const withStandIn = <T>(env: Record<string, string>, fn: () => T): T => {
      const saved = { PATH: process.env.PATH, container: process.env.container };
      Object.assign(process.env, { PATH: `${dir}:${process.env.PATH ?? ''}` }, env);
      try {
        return fn();
      } finally {
        for (const [k, v] of Object.entries(saved))
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
      }
    };
    const runCount = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').length - 1 : 0);

    it('spawns nothing when cheaper evidence decides (a container variable)', () => {
      const before = runCount();
      const d = withStandIn({ container: 'podman' }, () =>
        decideEnvironment(readEnvironmentProbes(), undefined),
      );
      expect(d.environment).toBe('container');
      expect(runCount()).toBe(before);
    });

    it('runs systemd-detect-virt once, when asked, however often its answer is read', () => {
      const before = runCount();
      const probes = withStandIn({}, () => readEnvironmentProbes());
      expect(runCount()).toBe(before);
      const answers = withStandIn({}, () => [probes.systemdDetectVirt, probes.systemdDetectVirt]);
      expect(answers).toEqual(['kvm', 'kvm']);
      expect(runCount()).toBe(before + 1);
    });
  });
});

describe('cgroup limit parsing', () => {
  it('reads cgroup v2 cpu.max', () => {
    expect(parseCpuMax('max 100000\n')).toBeNull();
    expect(parseCpuMax('100000 100000\n')).toBe(1);
    expect(parseCpuMax('150000 100000')).toBe(1.5);
    expect(parseCpuMax('garbage')).toBeNull();
  });

  it('reads memory limits, v1 "unlimited" included', () => {
    expect(parseMemoryLimit('max\n')).toBeNull();
    expect(parseMemoryLimit('536870912\n')).toBe(536_870_912);
    expect(parseMemoryLimit('9223372036854771712')).toBeNull();
    expect(parseMemoryLimit('')).toBeNull();
  });

  it('reads cgroup v1 CFS quota', () => {
    expect(parseCfsQuota('-1', '100000')).toBeNull();
    expect(parseCfsQuota('50000', '100000')).toBe(0.5);
  });
});

describe('cgroup limits of this process', () => {
  /** A fake /sys/fs/cgroup: { 'dir/file': content }. */
  function fakeRoot(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }

  it('finds its own cgroup from /proc/self/cgroup', () => {
    expect(ownCgroupPath('0::/system.slice/cloud-benchmark.service\n')).toBe(
      '/system.slice/cloud-benchmark.service',
    );
    expect(ownCgroupPath('0::/\n')).toBe('/');
    expect(ownCgroupPath('4:memory:/x\n')).toBe('/');
    expect(ownCgroupPath(undefined)).toBe('/');
  });

  it('reads a systemd service’s own limits (the VM), not just the unlimited root', () => {
    const root = fakeRoot({
      'cpu.max': 'max 100000\n',
      'memory.max': 'max\n',
      'system.slice/cloud-benchmark.service/cpu.max': '100000 100000\n',
      'system.slice/cloud-benchmark.service/memory.max': '536870912\n',
    });
    expect(readCgroupLimits(root, '/system.slice/cloud-benchmark.service')).toEqual({
      version: 'v2',
      cpus: 1,
      memoryBytes: 536_870_912,
    });
  });

  it('takes the tightest limit on the way up, and skips directories it cannot see', () => {
    const root = fakeRoot({
      'a/memory.max': '268435456\n',
      'a/b/memory.max': '536870912\n',
      'a/b/cpu.max': '200000 100000\n',
    });
    expect(readCgroupLimits(root, '/a/b/not-visible')).toEqual({
      version: 'v2',
      cpus: 2,
      memoryBytes: 268_435_456,
    });
  });

  it('reads the root in a container (cgroup namespace: own path "/")', () => {
    const root = fakeRoot({ 'cpu.max': '100000 100000', 'memory.max': '536870912' });
    expect(readCgroupLimits(root, '/')).toEqual({ version: 'v2', cpus: 1, memoryBytes: 536_870_912 });
  });

  it('cgroup v1: reads the limits of a host process’s own group (the native baseline), tightest on the way up', () => {
    const root = fakeRoot({
      'cpu/cpu.cfs_quota_us': '-1\n',
      'cpu/cpu.cfs_period_us': '100000\n',
      'cpu/cb/native/cpu.cfs_quota_us': '100000\n',
      'cpu/cb/native/cpu.cfs_period_us': '100000\n',
      'memory/memory.limit_in_bytes': '9223372036854771712\n',
      'memory/cb/native/memory.limit_in_bytes': '536870912\n',
    });
    const paths = ownV1Paths('12:cpu,cpuacct:/cb/native\n4:memory:/cb/native\n1:name=systemd:/\n0::/\n');
    expect(paths).toMatchObject({ cpu: '/cb/native', cpuacct: '/cb/native', memory: '/cb/native' });
    expect(readCgroupLimits(root, '/', paths)).toEqual({ version: 'v1', cpus: 1, memoryBytes: 536_870_912 });
  });

  it('cgroup v1 in a container: the host path is not visible, the mounted root holds the limits', () => {
    const root = fakeRoot({
      'cpu/cpu.cfs_quota_us': '100000',
      'cpu/cpu.cfs_period_us': '100000',
      'memory/memory.limit_in_bytes': '536870912',
    });
    const paths = ownV1Paths('4:memory:/docker/0123abc\n3:cpu:/docker/0123abc\n');
    expect(readCgroupLimits(root, '/', paths)).toEqual({ version: 'v1', cpus: 1, memoryBytes: 536_870_912 });
    expect(readCgroupLimits(fakeRoot({}), '/', paths)).toEqual({
      version: 'none',
      cpus: null,
      memoryBytes: null,
    });
  });
});
