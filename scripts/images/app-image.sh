#!/usr/bin/env bash
# Builds the app image from app/Dockerfile. APP_IMAGE names it (default cloud-benchmark/app:dev);
# NODE_BASE_IMAGE picks the base (default: the local Node base, built first when missing). On a
# machine with a registry: NODE_BASE_IMAGE=$NODE_IMAGE uses the official image.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

app_image=${APP_IMAGE:-cloud-benchmark/app:dev}
base=${NODE_BASE_IMAGE:-$LOCAL_NODE_IMAGE}

if [[ $base == "$LOCAL_IMAGE_PREFIX/"* ]] && ! docker image inspect "$base" >/dev/null 2>&1; then
  bash "$REPO_ROOT/scripts/images/node-base.sh"
fi

build() {
  # The registry the machine's npm uses, if any, is handed to the build stage; it never reaches the
  # final image (multi-stage) nor the repository.
  local registry
  registry=$(npm config get registry 2>/dev/null || true)
  docker build --quiet -f "$REPO_ROOT/app/Dockerfile" \
    --build-arg "NODE_IMAGE=$base" \
    ${registry:+--build-arg "NPM_CONFIG_REGISTRY=$registry"} \
    -t "$app_image" "$REPO_ROOT" >/dev/null
}
step "docker build $app_image (base $base)" build
