// The VM, two ways: a copy of the app already running in a VM started elsewhere (Vagrant, `npm run
// vm:up`), reached through its forwarded port, whose start-up the compare cannot see; or (`--vm qemu`)
// the project's VM booted by the compare itself for every start, so power-on → first 200 is measured.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstHealthy } from '../app-probe.ts';
import { qemuDisk, qemuFootprint } from '../footprint.ts';
import { provisionedDisk, provisionEnv, Vm, VM_PORTS, VM_URL, vmImage, vmToolsMissing } from '../vm.ts';
import { qemuForwarding } from './processes.ts';
import type { Environment, Started } from './environment.ts';

const run = promisify(execFile);

export type Acceleration = 'hardware' | 'emulated';

/**
 * How the VM behind a forwarded port runs: from the command line of the qemu process that forwards it
 * (scripts/vm/qemu.sh, or Vagrant's libvirt provider). undefined when no such process is visible
 * (VirtualBox, or a remote VM): then --vm-accel must say.
 */
export function qemuAccelFor(port: number): Acceleration | undefined {
  const cmd = qemuForwarding(port)?.cmdline;
  if (!cmd) return undefined;
  return /-enable-kvm|accel[= ]kvm|-accel kvm/.test(cmd) ? 'hardware' : 'emulated';
}

/** The first line of `qemu-system-x86_64 --version`, for the report's facts. */
const qemuVersion = () =>
  run('qemu-system-x86_64', ['--version']).then(
    (r) => r.stdout.split('\n')[0] ?? '',
    () => 'not installed',
  );

export function vmEnvironment(vmUrl: string | undefined, accelGiven: Acceleration | undefined): Environment {
  return {
    name: 'vm',
    async unavailable() {
      if (!vmUrl)
        return 'no --vm-url given: start the VM (cd vagrant && vagrant up, or scripts/vm/qemu.sh) and pass its app URL, e.g. --vm-url http://127.0.0.1:8081';
      try {
        await firstHealthy(vmUrl, performance.now(), 5000);
        return undefined;
      } catch {
        return `${vmUrl}/health does not answer 200 (is the VM up and provisioned?)`;
      }
    },
    async describe() {
      const qemu = await qemuVersion();
      const port = Number(new URL(vmUrl!).port || 80);
      const detected = qemuAccelFor(port);
      const accel = accelGiven ?? detected;
      return {
        url: vmUrl!,
        acceleration:
          accel === 'emulated'
            ? `EMULATED (qemu TCG${accelGiven ? ', as --vm-accel says' : ', from the qemu command line'}): VM figures are not representative of a real VM`
            : accel === 'hardware'
              ? `hardware virtualization${accelGiven ? ' (as --vm-accel says)' : ' (KVM, from the qemu command line)'}`
              : 'unknown (no local qemu forwards this port; pass --vm-accel hardware|emulated)',
        qemu,
      };
    },
    disk() {
      // The disk as the host stores it (allocated blocks), when a local qemu runs the VM.
      const d = qemuDisk(Number(new URL(vmUrl!).port || 80));
      return Promise.resolve(d && { what: `VM disk ${d.path}`, mib: d.bytes / 2 ** 20 });
    },
    async cleanup() {},
    start(): Promise<Started> {
      const port = Number(new URL(vmUrl!).port || 80);
      return Promise.resolve({
        paths: [{ label: 'vm', url: vmUrl! }],
        startupMs: undefined,
        stop: () => Promise.resolve(),
        footprint: qemuFootprint(port),
      });
    },
  };
}

/**
 * The VM started by the compare itself (`--vm qemu`): the project's box with the app provisioned once
 * (harness/vm.ts provisionedDisk), powered on for every start, so start-up is measured like the others:
 * power-on (qemu started) → first 200 on /health. The guest's own account of the boot (kernel, userspace,
 * the app's unit) is read over ssh afterwards. Under TCG every figure is emulated, and says so.
 */
export function bootedVmEnvironment(log: (line: string) => void): Environment {
  let disk: string | undefined;
  let imageDir: string | undefined;
  let vm: Vm | undefined;
  const accel = process.env.CB_VM_ACCEL === 'kvm' ? 'hardware' : 'emulated';
  return {
    name: 'vm',
    async unavailable() {
      const missing = vmToolsMissing();
      if (missing) return missing;
      try {
        imageDir = vmImage();
        disk = await provisionedDisk(imageDir, provisionEnv('none'), log);
        return undefined;
      } catch (error) {
        return `the VM could not be built or provisioned: ${(error as Error).message}`;
      }
    },
    async describe() {
      const qemu = await qemuVersion();
      return {
        url: VM_URL,
        acceleration:
          accel === 'emulated'
            ? 'EMULATED (qemu TCG, booted by the compare): VM figures are not representative of a real VM'
            : 'hardware virtualization (KVM, booted by the compare)',
        qemu,
        'started by': 'the compare command: power-on of a provisioned disk (scripts/vm/qemu.sh)',
      };
    },
    disk() {
      return Promise.resolve(
        disk ? { what: `VM disk ${disk}`, mib: (statSync(disk).blocks * 512) / 2 ** 20 } : undefined,
      );
    },
    async cleanup() {
      await vm?.stopAndWait();
      vm = undefined;
    },
    async start(): Promise<Started> {
      if (!imageDir || !disk) throw new Error('bootedVmEnvironment: unavailable() was not called');
      await vm?.stopAndWait();
      const booted = new Vm(imageDir, join(tmpdir(), `cloud-benchmark-vm-console-${process.pid}.log`), {
        path: disk,
        snapshot: true,
      });
      vm = booted;
      try {
        // Up to 10 minutes: a TCG boot takes 30–60 s, more on a busy machine.
        const startupMs = await firstHealthy(VM_URL, booted.startedAt, 600_000, () => booted.gone());
        return {
          paths: [{ label: 'vm', url: VM_URL }],
          startupMs,
          phases: guestBootPhases(booted),
          stop: () => booted.stopAndWait(),
          footprint: qemuFootprint(VM_PORTS.app),
        };
      } catch (error) {
        await booted.stopAndWait();
        throw error;
      }
    },
  };
}

/**
 * The guest's own boot timeline (seconds): kernel and userspace from `systemd-analyze`, and when the
 * app's unit became active, counted from the kernel's start. Empty where the guest cannot say.
 */
export function guestBootPhases(vm: Vm): Record<string, number> {
  try {
    return parseBootPhases(vm.ssh(BOOT_TIMELINE, 60_000));
  } catch {
    return {};
  }
}

/** What the guest is asked for its boot timeline. */
const BOOT_TIMELINE =
  'systemd-analyze time; systemctl show -p ActiveEnterTimestampMonotonic --value cloud-benchmark.service';

const seconds = (text: string) => {
  // systemd-analyze prints e.g. "1min 2.345s", "25.120s" or "870ms".
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)(min|ms|s)\b/g))
    total += Number(n) * (unit === 'min' ? 60 : unit === 'ms' ? 1e-3 : 1);
  return total;
};

export function parseBootPhases(output: string): Record<string, number> {
  const phases: Record<string, number> = {};
  const kernel = /Startup finished in (.+?) \(kernel\)/.exec(output)?.[1];
  const userspace = /\+ ([^+=]+?) \(userspace\)/.exec(output)?.[1];
  if (kernel) phases.kernel = seconds(kernel);
  if (userspace) phases['userspace (to default target)'] = seconds(userspace);
  const active = /^(\d+)\s*$/m.exec(output)?.[1];
  if (active && Number(active) > 0) phases['app unit active (since kernel start)'] = Number(active) / 1e6;
  return phases;
}

/** `vagrant` in the project's vagrant/ directory; throws with its output on failure. */
async function vagrant(dir: string, args: string[], timeoutMs = 1_800_000): Promise<string> {
  try {
    return (await run('vagrant', args, { cwd: dir, timeout: timeoutMs })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `vagrant ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim().slice(-800)}`,
      {
        cause: error,
      },
    );
  }
}

/** The machine's state from `vagrant status --machine-readable` (e.g. running, poweroff, not_created). */
export function vagrantState(machineReadable: string): string | undefined {
  return /^\d*,[^,]*,state,([^,\n]+)$/m.exec(machineReadable)?.[1];
}

/**
 * The VM on a user's machine (`--vm vagrant`): the project's Vagrantfile, created and provisioned once by
 * `vagrant up` (not timed), then for every start halted and powered on again with `vagrant up
 * --no-provision`: power-on → first 200 on the forwarded port. Acceleration is the provider's
 * (VirtualBox, libvirt/KVM): hardware unless --vm-accel says otherwise.
 */
export function vagrantEnvironment(
  vagrantDir: string,
  url: string,
  accelGiven: Acceleration | undefined,
  log: (line: string) => void,
): Environment {
  return {
    name: 'vm',
    async unavailable() {
      try {
        await run('vagrant', ['--version'], { timeout: 30_000 });
      } catch {
        return 'vagrant is not installed (https://developer.hashicorp.com/vagrant/install), or use --vm qemu / --vm-url';
      }
      try {
        const state = vagrantState(await vagrant(vagrantDir, ['status', '--machine-readable'], 120_000));
        if (state !== 'running') {
          log(
            `vagrant: the VM is ${state ?? 'in an unknown state'}; vagrant up (creates and provisions it once, not timed)`,
          );
          await vagrant(vagrantDir, ['up']);
        }
        await firstHealthy(url, performance.now(), 120_000);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    async describe() {
      const version = (
        await run('vagrant', ['--version']).catch(() => ({ stdout: 'unknown' }))
      ).stdout.trim();
      return {
        url,
        vagrant: version,
        acceleration:
          accelGiven === 'emulated'
            ? 'EMULATED (as --vm-accel says): VM figures are not representative of a real VM'
            : `hardware virtualization (the Vagrant provider${accelGiven ? ', as --vm-accel says' : ''})`,
        'started by': 'the compare command: vagrant halt, then vagrant up --no-provision',
      };
    },
    async cleanup() {},
    async start(): Promise<Started> {
      await vagrant(vagrantDir, ['halt']);
      const t0 = performance.now();
      const up = vagrant(vagrantDir, ['up', '--no-provision']);
      let failed: string | undefined;
      up.catch((error: unknown) => (failed = (error as Error).message));
      const startupMs = await firstHealthy(url, t0, 900_000, () => failed);
      await up;
      const timeline = await vagrant(vagrantDir, ['ssh', '-c', BOOT_TIMELINE], 120_000).catch(() => '');
      return {
        paths: [{ label: 'vm', url }],
        startupMs,
        phases: parseBootPhases(timeline),
        stop: () => Promise.resolve(),
      };
    },
  };
}
