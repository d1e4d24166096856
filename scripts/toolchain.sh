#!/usr/bin/env bash
# Makes this machine ready to run every test against real programs, with no container registry:
#   - a Docker engine (Debian's docker.io, started when none answers)
#   - the stack's programs built from the Go module proxy (scripts/toolchain/go-programs.sh), with
#     docker compose and buildx installed as Docker CLI plugins
#   - local images: a debootstrapped Debian base, a Node 24 base equivalent to the official slim image,
#     the app image, and stand-ins for the backend images (scripts/images/)
#   - qemu and Vagrant, and the Debian VM image that stands in for a Vagrant box (scripts/vm/)
# and writes .toolchain.env, which points the tests' binary and image variables at those builds.
# Idempotent and cached outside the repository (CLOUD_BENCHMARK_CACHE, see scripts/lib/common.sh).
# On a machine with registry access none of this is needed: `docker compose` pulls the official images.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
started=$SECONDS
BIN="$CLOUD_BENCHMARK_CACHE/bin"

install_cli_plugins() {
  local dir=/usr/local/lib/docker/cli-plugins
  [[ $(id -u) -eq 0 ]] || dir="$HOME/.docker/cli-plugins"
  mkdir -p "$dir"
  ln -sfn "$(readlink -f "$BIN/docker-compose")" "$dir/docker-compose"
  ln -sfn "$(readlink -f "$BIN/docker-buildx")" "$dir/docker-buildx"
  log "$(docker compose version)"
  log "$(docker buildx version)"
}

log "cache: $CLOUD_BENCHMARK_CACHE"
step "Docker engine" bash "$REPO_ROOT/scripts/toolchain/docker-engine.sh"
step "Go programs" bash "$REPO_ROOT/scripts/toolchain/go-programs.sh"
step "Docker CLI plugins (compose, buildx)" install_cli_plugins
step "local Node base image" bash "$REPO_ROOT/scripts/images/node-base.sh"
# The app image on that base (app-image.sh builds the base only when it is missing).
app_image=${APP_IMAGE:-cloud-benchmark/app:dev}
step "app image" env APP_IMAGE="$app_image" bash "$REPO_ROOT/scripts/images/app-image.sh"
step "backend images" bash "$REPO_ROOT/scripts/images/backend-images.sh"
step "VM tools (qemu, Vagrant)" bash "$REPO_ROOT/scripts/toolchain/vm-tools.sh"
step "VM image" bash "$REPO_ROOT/scripts/vm/image.sh"

cat >"$REPO_ROOT/.toolchain.env" <<ENV
# Written by scripts/toolchain.sh: the tests' binary and image variables, pointed at this machine's
# local builds. Delete it to run against the official images.
CB_BIN_DIR=$BIN
CB_APP_IMAGE=$app_image
CB_NODE_IMAGE=$LOCAL_NODE_IMAGE
CB_PROMETHEUS_IMAGE=$(local_tag "$PROMETHEUS_IMAGE" prometheus)
CB_NODE_EXPORTER_IMAGE=$(local_tag "$NODE_EXPORTER_IMAGE" node-exporter)
CB_JAEGER_IMAGE=$(local_tag "$JAEGER_IMAGE" jaeger)
CB_OTELCOL_IMAGE=$(local_tag "$OTELCOL_IMAGE" otelcol)
ENV
log "wrote .toolchain.env"
printf 'toolchain ready in %ss\n' "$((SECONDS - started))"
