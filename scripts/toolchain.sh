#!/usr/bin/env bash
# Makes this machine ready to run every test against real programs, with no container registry:
#   - a Docker engine (Debian's docker.io, started when none answers)
#   - the stack's programs built from the Go module proxy (scripts/toolchain/go-programs.sh), with
#     docker compose installed as a Docker CLI plugin (buildx too, where built on request)
#   - local images: a debootstrapped Debian base, a Node 24 base equivalent to the official slim image,
#     the app image, and stand-ins for the backend images (scripts/images/)
#   - qemu and Vagrant, and the Debian VM image that stands in for a Vagrant box (scripts/vm/)
# and writes .toolchain.env, which points the tests' binary and image variables at those builds.
# Idempotent and cached outside the repository (CLOUD_BENCHMARK_CACHE, see scripts/lib/common.sh).
# On a machine with registry access none of the images are needed: `docker compose` pulls the official
# ones. CB_IMAGES=official (GitHub's runners) keeps the builds of programs but pulls the official images
# instead of building stand-ins, and points the tests at them, so every test runs there as well.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
started=$SECONDS
BIN="$CLOUD_BENCHMARK_CACHE/bin"
images=${CB_IMAGES:-local}
[[ $images == local || $images == official ]] || die "CB_IMAGES must be local or official, not $images"

# Package installs and the VM image's debootstrap need root; elsewhere they run through sudo, with the
# same PATH and cache (sudoers' secure_path would otherwise replace PATH).
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  else
    sudo env "PATH=$PATH" "CLOUD_BENCHMARK_CACHE=$CLOUD_BENCHMARK_CACHE" ${CB_DEBIAN_MIRROR:+"CB_DEBIAN_MIRROR=$CB_DEBIAN_MIRROR"} "$@"
  fi
}

pull_official() {
  local image
  for image in "$PROMETHEUS_IMAGE" "$NODE_EXPORTER_IMAGE" "$JAEGER_IMAGE" "$OTELCOL_IMAGE"; do
    docker pull --quiet "$image" >/dev/null
    log "pulled $image"
  done
}

install_cli_plugins() {
  local dir=/usr/local/lib/docker/cli-plugins
  [[ $(id -u) -eq 0 ]] || dir="$HOME/.docker/cli-plugins"
  mkdir -p "$dir"
  ln -sfn "$(readlink -f "$BIN/docker-compose")" "$dir/docker-compose"
  log "$(docker compose version)"
  # buildx is built on request only (go-programs.sh buildx): `docker compose build` needs it, no test does.
  if [[ -x $BIN/docker-buildx ]]; then
    ln -sfn "$(readlink -f "$BIN/docker-buildx")" "$dir/docker-buildx"
    log "$(docker buildx version)"
  fi
}

# What needs none of the Go programs: the Node base and app images, the cluster's and the VM's Debian
# packages and the VM image. Mostly downloads, unpacking and disk, so it runs beside the CPU-bound Go
# builds rather than after them.
beside_go_builds() {
  if [[ $images == local ]]; then
    step "local Node base image" bash "$REPO_ROOT/scripts/images/node-base.sh"
    # The app image on that base (app-image.sh builds the base only when it is missing).
    step "app image" env APP_IMAGE="$app_image" bash "$REPO_ROOT/scripts/images/app-image.sh"
  fi
  # The two-node test cluster's packages (its programs are among the Go programs); CB_TEST_CLUSTER=0: none.
  if [[ ${CB_TEST_CLUSTER:-1} != 0 ]]; then
    step "test cluster packages" as_root bash "$REPO_ROOT/scripts/k8s/cluster.sh" packages
  fi
  step "VM tools (qemu, Vagrant)" as_root bash "$REPO_ROOT/scripts/toolchain/vm-tools.sh"
  step "VM image" as_root bash "$REPO_ROOT/scripts/vm/image.sh"
}

log "cache: $CLOUD_BENCHMARK_CACHE"
app_image=${APP_IMAGE:-cloud-benchmark/app:dev}
step "Docker engine" bash "$REPO_ROOT/scripts/toolchain/docker-engine.sh"
beside_log="$CLOUD_BENCHMARK_CACHE/logs/toolchain-beside-go.log"
mkdir -p "$(dirname "$beside_log")"
log "images, packages and the VM image beside the Go builds (output: $beside_log, shown when both end)"
beside_go_builds >"$beside_log" 2>&1 &
beside=$!
go_status=0
step "Go programs" bash "$REPO_ROOT/scripts/toolchain/go-programs.sh" || go_status=$?
# Both end before anything else happens, failed or not: nothing is left running behind the script.
waited=$SECONDS
beside_status=0
wait "$beside" || beside_status=$?
log "waited $((SECONDS - waited))s more for the steps beside the Go builds; their output:"
sed 's/^/  | /' "$beside_log"
[[ $go_status -eq 0 ]] || die "the Go programs failed (exit status $go_status)"
[[ $beside_status -eq 0 ]] || die "a step beside the Go builds failed (exit status $beside_status; above)"

step "Docker CLI plugins (compose; buildx where built)" install_cli_plugins
if [[ $images == local ]]; then
  step "backend images" bash "$REPO_ROOT/scripts/images/backend-images.sh"
  node_image=$LOCAL_NODE_IMAGE
  prometheus_image=$(local_tag "$PROMETHEUS_IMAGE" prometheus)
  node_exporter_image=$(local_tag "$NODE_EXPORTER_IMAGE" node-exporter)
  jaeger_image=$(local_tag "$JAEGER_IMAGE" jaeger)
  otelcol_image=$(local_tag "$OTELCOL_IMAGE" otelcol)
else
  step "app image on the official Node image" \
    env APP_IMAGE="$app_image" NODE_BASE_IMAGE="$NODE_IMAGE" bash "$REPO_ROOT/scripts/images/app-image.sh"
  step "official backend images" pull_official
  # The image-facts test checks BusyBox programs against Debian's busybox-static either way.
  step "busybox-static" as_root bash "$REPO_ROOT/scripts/images/backend-images.sh" --busybox-only
  node_image=$NODE_IMAGE
  prometheus_image=$PROMETHEUS_IMAGE
  node_exporter_image=$NODE_EXPORTER_IMAGE
  jaeger_image=$JAEGER_IMAGE
  otelcol_image=$OTELCOL_IMAGE
fi
# The Helm chart's load Job runs this image (FROM scratch: built the same in both modes).
vegeta_image="cloud-benchmark/vegeta:${VEGETA_MODULE_VERSION#v}"
step "load Job image" env VEGETA_IMAGE="$vegeta_image" bash "$REPO_ROOT/scripts/images/vegeta-image.sh"

cat >"$REPO_ROOT/.toolchain.env" <<ENV
# Written by scripts/toolchain.sh ($images images): the tests' binary and image variables. Delete it to
# run against the official images without the built programs.
CB_BIN_DIR=$BIN
CB_APP_IMAGE=$app_image
CB_NODE_IMAGE=$node_image
CB_PROMETHEUS_IMAGE=$prometheus_image
CB_NODE_EXPORTER_IMAGE=$node_exporter_image
CB_JAEGER_IMAGE=$jaeger_image
CB_OTELCOL_IMAGE=$otelcol_image
CB_VEGETA_IMAGE=$vegeta_image
ENV
log "wrote .toolchain.env"
printf 'toolchain ready in %ss\n' "$((SECONDS - started))"
