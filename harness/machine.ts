// The machine a comparison ran on, recorded in results.json and the report: without it a number
// cannot be compared with anyone else's.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);
const output = (cmd: string, args: string[]) =>
  run(cmd, args, { timeout: 10_000 }).then(
    (r) => r.stdout.trim(),
    () => 'not available',
  );

export async function describeMachine(): Promise<Record<string, string>> {
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown';
  const virt = await output('systemd-detect-virt', []);
  return {
    CPU: `${cpuModel} × ${cpus().length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    kernel: release(),
    OS: /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown',
    'Node.js (compare command and native app)': process.version,
    'Docker engine': await output('docker', ['version', '--format', '{{.Server.Version}}']),
    'this machine itself': `${virt === 'not available' ? 'unknown' : virt}${existsSync('/.dockerenv') ? ' (/.dockerenv present: a container)' : ''}`,
    // /dev/kvm can exist and still not work (nested KVM may hang): the VM's own row says how it ran.
    '/dev/kvm': existsSync('/dev/kvm')
      ? 'present (whether nested KVM works is not tested)'
      : 'missing: VMs here can only be emulated (TCG)',
  };
}
