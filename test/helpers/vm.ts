// The VM for the end-to-end tests: the harness's VM control, and a loud skip (a failure where CI requires
// it) when qemu or ssh is missing.
import { vmToolsMissing } from '../../harness/vm.ts';
import { skipLoudly } from './images.ts';

export { offlineInputs, Vm, VM_PORTS, VM_URL, vmImage } from '../../harness/vm.ts';

/** Why the VM cannot be booted here, or undefined (loud skip; a failure where CI requires Docker). */
export function vmUnavailable(): string | undefined {
  return skipLoudly('VM tests', vmToolsMissing());
}

/** How the test VM runs, for titles and printed figures: KVM where CB_VM_ACCEL=kvm (GitHub's runners), else TCG. */
export const VM_ACCEL = process.env.CB_VM_ACCEL === 'kvm' ? 'KVM' : 'emulated, TCG';
