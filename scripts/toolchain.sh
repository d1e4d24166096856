#!/usr/bin/env bash
# Makes this machine ready to run every test against real programs, with no container registry:
#   - a Docker engine (Debian's docker.io, started when none answers)
#   - local images: a debootstrapped Debian base, a Node 24 base equivalent to the official slim
#     image, and the app image built from app/Dockerfile on it
# and writes .toolchain.env, which points the tests' image variables at those local builds.
# Idempotent and cached outside the repository (CLOUD_BENCHMARK_CACHE, see scripts/lib/common.sh).
# On a machine with registry access none of this is needed: `docker compose` pulls the official images.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
started=$SECONDS

log "cache: $CLOUD_BENCHMARK_CACHE"
step "Docker engine" bash "$REPO_ROOT/scripts/toolchain/docker-engine.sh"
step "local Node base image" bash "$REPO_ROOT/scripts/images/node-base.sh"
# The app image on that base (app-image.sh builds the base only when it is missing).
app_image=${APP_IMAGE:-cloud-benchmark/app:dev}
step "app image" env APP_IMAGE="$app_image" bash "$REPO_ROOT/scripts/images/app-image.sh"

cat >"$REPO_ROOT/.toolchain.env" <<ENV
# Written by scripts/toolchain.sh: image variables of the tests, pointed at this machine's local builds.
CB_APP_IMAGE=$app_image
CB_NODE_IMAGE=$LOCAL_IMAGE_PREFIX/node:$NODE_VERSION-$DEBIAN_SUITE-slim
ENV
log "wrote .toolchain.env"
printf 'toolchain ready in %ss\n' "$((SECONDS - started))"
