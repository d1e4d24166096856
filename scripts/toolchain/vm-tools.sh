#!/usr/bin/env bash
# The VM side of the toolchain: qemu (the VM test boots the Vagrant-box stand-in under it), Vagrant (to
# validate the Vagrantfile), ssh, and what scripts/vm/image.sh builds the image with. Debian packages,
# installed only when missing. On a user's machine Vagrant with VirtualBox or libvirt replaces all of it.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

declare -A need=(
  [qemu-system-x86_64]=qemu-system-x86
  [vagrant]=vagrant
  [ssh]=openssh-client
  [debootstrap]=debootstrap
  [mkfs.ext4]=e2fsprogs
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}")
done
# debootstrap verifies Debian's Release signature with these keys (Ubuntu ships them too).
[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
if [[ ${#missing[@]} -eq 0 ]]; then
  log "present: $(qemu-system-x86_64 --version | head -n 1), $(vagrant --version)"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || die "missing ${missing[*]} and this is not root: install them, then re-run"
apt_install --no-install-recommends "${missing[@]}"
log "installed ${missing[*]}"
