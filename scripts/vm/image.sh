#!/usr/bin/env bash
# Builds the Debian VM that stands in for a Vagrant box on machines without VirtualBox or libvirt (ours
# run qemu under TCG emulation only): debootstrap from the mirror in apt's own configuration, Debian's
# cloud kernel and initrd, systemd, sshd, and a `vagrant` user with passwordless sudo whose key is
# generated here — the same contract as the debian/* Vagrant boxes. The disk is a bare ext4 image
# booted by qemu with -kernel/-initrd (no bootloader). Cached in $CLOUD_BENCHMARK_CACHE/vm; rebuilt only
# when this script or the suite changes. Prints the directory holding disk.img, vmlinuz, initrd.img,
# id_ed25519.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=scripts/lib/apt-mirror.sh
source "$REPO_ROOT/scripts/lib/apt-mirror.sh"

PACKAGES=systemd-sysv,udev,dbus,linux-image-cloud-amd64,openssh-server,sudo,ca-certificates,iproute2,netbase,curl,xz-utils
DISK_MIB=3072
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

key=$( (cat "$0" && echo "$DEBIAN_SUITE $PACKAGES $DISK_MIB") | sha256sum | cut -c1-12)
dir="$CLOUD_BENCHMARK_CACHE/vm/debian-$DEBIAN_SUITE-$key"

bootstrap() {
  local mirror rootfs
  mirror=$(apt_mirror) || die "no Debian mirror found in apt's configuration"
  rootfs="$dir.rootfs"
  rm -rf "$rootfs"
  # The Release file's signature is checked against Debian's archive keys (debian-archive-keyring); named
  # here so that a machine without them fails instead of bootstrapping unverified.
  [[ -f $DEBIAN_KEYRING ]] || die "no $DEBIAN_KEYRING (install debian-archive-keyring)"
  debootstrap --keyring="$DEBIAN_KEYRING" --variant=minbase --include="$PACKAGES" "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
    die "debootstrap failed (log: $dir.debootstrap.log)"
}

configure() {
  local rootfs="$dir.rootfs"
  echo cloud-benchmark-vm >"$rootfs/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 cloud-benchmark-vm\n::1 localhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
  printf '/dev/vda / ext4 rw,discard,errors=remount-ro 0 1\n' >"$rootfs/etc/fstab"
  # DHCP on the virtio NIC (qemu user networking hands out 10.0.2.15), by systemd-networkd.
  cat >"$rootfs/etc/systemd/network/10-dhcp.network" <<'NET'
[Match]
Name=en* eth*
[Network]
DHCP=ipv4
NET
  chroot "$rootfs" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
  chroot "$rootfs" systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1 || true
  # The Vagrant box contract: user vagrant, passwordless sudo, key-based ssh.
  chroot "$rootfs" useradd --create-home --shell /bin/bash vagrant
  printf 'vagrant ALL=(ALL) NOPASSWD: ALL\n' >"$rootfs/etc/sudoers.d/vagrant"
  chmod 0440 "$rootfs/etc/sudoers.d/vagrant"
  ssh-keygen -q -t ed25519 -N '' -C cloud-benchmark-vm -f "$dir.tmp/id_ed25519"
  install -d -m 0700 -o 1000 -g 1000 "$rootfs/home/vagrant/.ssh"
  install -m 0600 -o 1000 -g 1000 "$dir.tmp/id_ed25519.pub" "$rootfs/home/vagrant/.ssh/authorized_keys"
  chroot "$rootfs" chown -R vagrant:vagrant /home/vagrant
  printf 'PasswordAuthentication no\nUseDNS no\n' >"$rootfs/etc/ssh/sshd_config.d/cloud-benchmark.conf"
  # The mirror's name must not travel inside the image; users' VMs configure their own apt.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/bootstrap.log "$rootfs"/debootstrap
  rm -f "$rootfs"/etc/apt/sources.list "$rootfs"/etc/apt/sources.list.d/*
  ! grep -rqs "$(apt_mirror)" "$rootfs/etc" "$rootfs/var" || die "the mirror's name is still in the image"
  cp -L "$rootfs/vmlinuz" "$dir.tmp/vmlinuz"
  cp -L "$rootfs/initrd.img" "$dir.tmp/initrd.img"
}

make_disk() {
  mkfs.ext4 -q -F -L root -d "$dir.rootfs" "$dir.tmp/disk.img" "${DISK_MIB}M"
  rm -rf "$dir.rootfs"
}

if [[ -f $dir/disk.img ]]; then
  log "VM image present: $dir" >&2
else
  step "VM tools (qemu, debootstrap, ssh)" bash "$REPO_ROOT/scripts/toolchain/vm-tools.sh" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  step "debootstrap $DEBIAN_SUITE for the VM" bootstrap >&2
  step "configure the VM (vagrant user, networkd, sshd)" configure >&2
  step "ext4 disk image (${DISK_MIB} MiB)" make_disk >&2
  mv "$dir.tmp" "$dir"
  # Older builds (other inputs) are of no further use: ~3 GB each.
  find "$CLOUD_BENCHMARK_CACHE/vm" -maxdepth 1 -name "debian-$DEBIAN_SUITE-*" ! -name "$(basename "$dir")*" -exec rm -rf {} + 2>/dev/null || true
fi
printf '%s\n' "$dir"
