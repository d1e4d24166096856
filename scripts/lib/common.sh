# shellcheck shell=bash
# Sourced by the project's scripts: strict mode, repository paths, pinned versions, the build cache
# and timed steps. Not executed on its own.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export REPO_ROOT

# Pinned versions: one file, read everywhere.
set -a
# shellcheck source=versions.env
source "$REPO_ROOT/versions.env"
set +a

# Builds and downloads are cached outside the repository. CLOUD_BENCHMARK_CACHE redirects the cache
# (e.g. to a pre-filled one); delete the directory to start from nothing.
if [[ -z "${CLOUD_BENCHMARK_CACHE:-}" ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    CLOUD_BENCHMARK_CACHE=/var/cache/cloud-benchmark
  else
    CLOUD_BENCHMARK_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/cloud-benchmark"
  fi
fi
export CLOUD_BENCHMARK_CACHE
mkdir -p "$CLOUD_BENCHMARK_CACHE"

# Names of the local stand-in images, defined once. local_tag OFFICIAL_IMAGE NAME gives the stand-in for
# an official image: same tag, local namespace (never the official name).
export LOCAL_DEBIAN_IMAGE="$LOCAL_IMAGE_PREFIX/debian:$DEBIAN_SUITE"
export LOCAL_NODE_IMAGE="$LOCAL_IMAGE_PREFIX/node:$NODE_VERSION-$DEBIAN_SUITE-slim"
# image_tag IMAGE: the tag of repository:tag[@sha256:digest].
image_tag() {
  local ref=${1%@*}
  printf '%s\n' "${ref##*:}"
}
local_tag() { printf '%s/%s:%s\n' "$LOCAL_IMAGE_PREFIX" "$2" "$(image_tag "$1")"; }

# shellcheck source=scripts/lib/steps.sh
source "$REPO_ROOT/scripts/lib/steps.sh"

log() { printf '    %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# apt_update and apt_install [APT-GET OPTIONS] PACKAGE...: Debian's package lists and packages, as root.
# Serialized by one lock, because the toolchain runs some steps side by side and a second apt-get
# would fail on dpkg's lock instead of waiting.
APT_LOCK=/var/lock/cloud-benchmark-apt.lock
apt_update() {
  [[ $(id -u) -eq 0 ]] || die "apt-get update needs root"
  (
    flock 9
    apt-get update -qq
  ) 9>"$APT_LOCK"
}
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "installing $* needs root: install it, then re-run"
  (
    flock 9
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq "$@" >/dev/null
  ) 9>"$APT_LOCK"
}

# build_image TAG CONTEXT [docker build args...]: builds unless an image with that tag was already built
# from exactly these inputs (context contents and build args, recorded as a label). Docker's layer cache
# alone still hashes a large context on every run; this makes an unchanged rebuild cost ~1 s.
build_image() {
  local tag=$1 context=$2
  shift 2
  local inputs current
  inputs=$( (tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$context" -cf - . && printf '%s\n' "$@") | sha256sum | cut -c1-16)
  current=$(docker image inspect --format '{{ index .Config.Labels "cloud-benchmark.inputs" }}' "$tag" 2>/dev/null || true)
  if [[ $current == "$inputs" ]]; then
    log "$tag up to date"
    return
  fi
  docker build --quiet --label "cloud-benchmark.inputs=$inputs" "$@" -t "$tag" "$context" >/dev/null
  log "$tag built"
}
