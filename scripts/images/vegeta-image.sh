#!/usr/bin/env bash
# Builds the load Job's image (scripts/images/vegeta/Dockerfile) from the vegeta that
# scripts/toolchain/go-programs.sh built and Debian's static BusyBox: VEGETA_IMAGE names it
# (default cloud-benchmark/vegeta:<vegeta version>). Push it where your cluster pulls from and set the
# chart's load.job.image to it.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

BIN="$CLOUD_BENCHMARK_CACHE/bin"
image=${VEGETA_IMAGE:-cloud-benchmark/vegeta:${VEGETA_MODULE_VERSION#v}}
[[ -x $BIN/vegeta ]] || bash "$REPO_ROOT/scripts/toolchain/go-programs.sh" vegeta
busybox=$(bash "$REPO_ROOT/scripts/images/backend-images.sh" --busybox-path)

build() {
  local context
  context=$(mktemp -d)
  cp "$REPO_ROOT/scripts/images/vegeta/Dockerfile" "$context/"
  cp "$busybox" "$context/busybox"
  cp -L "$BIN/vegeta" "$context/vegeta"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' >"$context/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$context/group"
  build_image "$image" "$context"
  rm -rf "$context"
}
step "image $image" build
