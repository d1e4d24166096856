// The VM: a copy of the app already running in a Vagrant (or scripts/vm/qemu.sh) VM, reached through its
// forwarded port. Booting and provisioning take minutes (many more under emulation), so the compare does
// not start it: start-up is not measured here (the e2e test prints the VM's reboot → healthy time).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { firstHealthy } from '../app-probe.ts';
import { commandLines } from './processes.ts';
import type { Environment, Started } from './environment.ts';

const run = promisify(execFile);

export type Acceleration = 'hardware' | 'emulated';

/**
 * How the VM behind a forwarded port runs: from the command line of the qemu process that forwards it
 * (scripts/vm/qemu.sh, or Vagrant's libvirt provider). undefined when no such process is visible
 * (VirtualBox, or a remote VM): then --vm-accel must say.
 */
export function qemuAccelFor(port: number): Acceleration | undefined {
  for (const cmd of commandLines()) {
    if (!/qemu-system/.test(cmd) || !cmd.includes(`:${port}-:`)) continue;
    return /-enable-kvm|accel[= ]kvm|-accel kvm/.test(cmd) ? 'hardware' : 'emulated';
  }
  return undefined;
}

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
      const qemu = await run('qemu-system-x86_64', ['--version']).then(
        (r) => r.stdout.split('\n')[0] ?? '',
        () => 'not installed',
      );
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
    async cleanup() {},
    start(): Promise<Started> {
      return Promise.resolve({
        paths: [{ label: 'vm', url: vmUrl! }],
        startupMs: undefined,
        stop: () => Promise.resolve(),
      });
    },
  };
}
