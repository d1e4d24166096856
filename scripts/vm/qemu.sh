#!/usr/bin/env bash
# Boots the VM built by scripts/vm/image.sh under qemu, in the foreground (stop it with SIGTERM), the
# way Vagrant would give it to us: BENCH_CPUS vCPUs and BENCH_MEMORY_MIB of memory (versions.env, the
# container's limits), user-mode networking with forwards on 127.0.0.1 only, and the guest reaching the
# host's loopback (the stack's published ports) at 10.0.2.2.
# Acceleration: KVM when /dev/kvm works and CB_VM_ACCEL=kvm; otherwise TCG emulation, which makes every
# figure measured in the VM unrepresentative (~30× slower HTTP): the compare report says which was used.
# Usage: qemu.sh SSH_PORT APP_PORT NODE_EXPORTER_PORT CONSOLE_LOG
# CB_VM_DISK: another raw disk to boot (default: the built box's); CB_VM_SNAPSHOT=off: write to it (the
# compare command provisions a copy once this way, then boots that copy with snapshot=on each time).
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

[[ $# -eq 4 ]] || die "usage: $0 SSH_PORT APP_PORT NODE_EXPORTER_PORT CONSOLE_LOG"
ssh_port=$1 app_port=$2 node_exporter_port=$3 console=$4
dir=$(bash "$REPO_ROOT/scripts/vm/image.sh")

accel=tcg
[[ ${CB_VM_ACCEL:-tcg} == kvm && -w /dev/kvm ]] && accel=kvm
accel_opts=$accel
[[ $accel == tcg && $BENCH_CPUS -gt 1 ]] && accel_opts="tcg,thread=multi" # one host thread per vCPU

log "booting $dir with accel=$accel, $BENCH_CPUS vCPU, $BENCH_MEMORY_MIB MiB; console: $console" >&2
disk=${CB_VM_DISK:-$dir/disk.img}
snapshot=${CB_VM_SNAPSHOT:-on}
[[ $snapshot == on || $snapshot == off ]] || die "CB_VM_SNAPSHOT must be on or off, got '$snapshot'"
[[ -f $disk ]] || die "no disk image at $disk"
# snapshot=on: the disk is never modified; every boot starts from the same state.
exec qemu-system-x86_64 \
  -name cloud-benchmark-vm -machine q35 -accel "$accel_opts" \
  -smp "$BENCH_CPUS" -m "$BENCH_MEMORY_MIB" \
  -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 quiet" \
  -drive "file=$disk,format=raw,if=virtio,snapshot=$snapshot" \
  -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$ssh_port-:22,hostfwd=tcp:127.0.0.1:$app_port-:8080,hostfwd=tcp:127.0.0.1:$node_exporter_port-:9100" \
  -device virtio-net-pci,netdev=net0 \
  -display none -monitor none -serial "file:$console"
