// npm run vm:up -- [--otlp-endpoint URL|none]: the VM without Vagrant, for machines with qemu but no
// VirtualBox or libvirt (like this project's build machines): boots the project's Debian image under
// qemu (KVM when CB_VM_ACCEL=kvm and /dev/kvm works, else TCG emulation), provisions it exactly as
// `vagrant up` does (vagrant/provision.sh over ssh), prints the app's URL and keeps the VM up until
// Ctrl-C. Then: npm run compare -- --vm-url <that URL>.
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { httpUrl } from '../../harness/cli-options.ts';
import { versions } from '../../harness/project-env.ts';
import { Vm, VM_PORTS, VM_URL, vmImage, vmToolsMissing } from '../../harness/vm.ts';

const { otlpEndpoint: otlp } = new Command('vm:up')
  .description('Boots the VM image under qemu and provisions it as `vagrant up` does; Ctrl-C stops it.')
  .addOption(
    new Option('--otlp-endpoint <url>', 'where the VM exports traces and logs ("none": exporters off)')
      .default('none')
      .argParser((raw) => (raw === 'none' ? raw : httpUrl('--otlp-endpoint')(raw))),
  )
  .parse()
  .opts<{ otlpEndpoint: string }>();
const missing = vmToolsMissing();
if (missing) {
  console.error(`error: ${missing}`);
  process.exit(2);
}
const t0 = performance.now();
const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
const vm = new Vm(vmImage(), join(process.env.TMPDIR ?? '/tmp', 'cloud-benchmark-vm-console.log'));
const stop = () => {
  vm.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
console.log(`==> boot (console: ${vm.console})`);
await vm.waitForSsh();
console.log(`<== ssh after ${seconds()} s`);
console.log('==> provision (vagrant/provision.sh)');
vm.provision({
  NODE_VERSION: versions.NODE_VERSION!,
  NODE_EXPORTER_VERSION: versions.NODE_EXPORTER_MODULE_VERSION!.replace(/^v/, ''),
  BENCH_CPUS: versions.BENCH_CPUS!,
  BENCH_MEMORY_MIB: versions.BENCH_MEMORY_MIB!,
  OTLP_ENDPOINT: otlp,
});
console.log(`<== provisioned after ${seconds()} s`);
console.log(`VM app: ${VM_URL} (node_exporter 127.0.0.1:${VM_PORTS.nodeExporter}); Ctrl-C stops the VM`);
await new Promise(() => {});
