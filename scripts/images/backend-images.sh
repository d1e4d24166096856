#!/usr/bin/env bash
# Builds local stand-ins for the official backend images from the binaries that
# scripts/toolchain/go-programs.sh built: each FROM scratch with what the official image has and nothing
# more (BusyBox where it is built on BusyBox or Alpine, nothing where it is FROM scratch), with its
# paths, ports and user (scripts/images/<name>/Dockerfile). Tagged $LOCAL_IMAGE_PREFIX/<name>:<tag of the
# official image>, never with the official names (local_tag in scripts/lib/common.sh).
# Usage: backend-images.sh [NAME...]   (default: all)
#        backend-images.sh --busybox-only   (only extract busybox-static, where the official images are used)
#        backend-images.sh --busybox-path   (the same, then print its path)
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

BIN="$CLOUD_BENCHMARK_CACHE/bin"

# The official images built on BusyBox or Alpine have BusyBox's programs (sh, wget, chown…), which the
# compose health checks and one-shot services call; the local ones get the same from Debian's statically
# linked busybox (one binary, suite-independent), extracted into the cache.
busybox_static() {
  local dir="$CLOUD_BENCHMARK_CACHE/busybox-static"
  if [[ ! -x $dir/bin/busybox ]]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download busybox-static >/dev/null 2>&1) ||
      { apt_update && (cd "$tmp" && apt-get download busybox-static >/dev/null); }
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
    mkdir -p "$dir/bin"
    cp "$tmp/x/bin/busybox" "$dir/bin/busybox"
    rm -rf "$tmp"
    log "busybox-static: $("$dir/bin/busybox" | head -n 1)" >&2
  fi
  printf '%s\n' "$dir/bin/busybox"
}

# build NAME OFFICIAL_IMAGE FILE...: FILE is a binary name in $BIN or a path in the repository.
build() {
  local name=$1 official=$2
  shift 2
  local tag context
  tag=$(local_tag "$official" "$name")
  context=$(mktemp -d)
  cp "$REPO_ROOT/scripts/images/$name/"* "$context/"
  if [[ $name == otelcol ]]; then
    mkdir "$context/queue" # the contrib image is FROM scratch: no BusyBox, no mkdir
  else
    cp "$(busybox_static)" "$context/busybox"
    # The user database the official bases carry (`user: root` and `USER nobody` resolve by name).
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' >"$context/passwd"
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$context/group"
  fi
  local f
  for f in "$@"; do
    if [[ -e $BIN/$f ]]; then cp -L "$BIN/$f" "$context/$f"; else cp "$REPO_ROOT/$f" "$context/"; fi
  done
  build_image "$tag" "$context"
  rm -rf "$context"
}

image_prometheus() { build prometheus "$PROMETHEUS_IMAGE" prometheus promtool; }
image_node_exporter() { build node-exporter "$NODE_EXPORTER_IMAGE" node_exporter; }
image_jaeger() { build jaeger "$JAEGER_IMAGE" jaeger; }
image_otelcol() { build otelcol "$OTELCOL_IMAGE" otelcol observability/otel-collector/config.yaml; }

if [[ ${1:-} == --busybox-only ]]; then
  busybox_static >/dev/null
  exit 0
fi
if [[ ${1:-} == --busybox-path ]]; then
  busybox_static
  exit 0
fi

all=(prometheus node_exporter jaeger otelcol)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  declare -F "image_$t" >/dev/null || die "unknown image $t (known: ${all[*]})"
  step "image $t" "image_$t"
done
