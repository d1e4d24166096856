#!/usr/bin/env bash
# Builds the local Debian base image ($LOCAL_DEBIAN_IMAGE) for machines without a
# container registry: debootstrap (minbase) from the mirror in apt's own configuration, then
# `docker import`. The root filesystem tarball is cached, so a rebuilt engine re-imports in seconds.
# Not needed where `docker pull` works: the official images are used there.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=scripts/lib/apt-mirror.sh
source "$REPO_ROOT/scripts/lib/apt-mirror.sh"

image=$LOCAL_DEBIAN_IMAGE
tarball="$CLOUD_BENCHMARK_CACHE/images/debian-$DEBIAN_SUITE-rootfs.tar"

bootstrap() {
  command -v debootstrap >/dev/null || apt_install debootstrap
  local mirror rootfs
  mirror=$(apt_mirror) || die "no Debian mirror found in apt's configuration"
  rootfs=$(mktemp -d "$CLOUD_BENCHMARK_CACHE/debian-rootfs.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$rootfs'" EXIT
  debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$CLOUD_BENCHMARK_CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed (log: $CLOUD_BENCHMARK_CACHE/debootstrap.log)"
  # The mirror's name must not travel inside the image; apt is not used at run time.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/bootstrap.log "$rootfs"/debootstrap
  rm -f "$rootfs"/etc/apt/sources.list "$rootfs"/etc/apt/sources.list.d/*
  mkdir -p "$(dirname "$tarball")"
  tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
}

import_image() {
  docker import --change 'CMD ["bash"]' --message "debootstrap $DEBIAN_SUITE minbase" "$tarball" "$image" >/dev/null
}

if docker image inspect "$image" >/dev/null 2>&1; then
  log "$image present"
  exit 0
fi
[[ -f $tarball ]] || step "debootstrap $DEBIAN_SUITE (minbase)" bootstrap
step "docker import $image" import_image
