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

# shellcheck source=scripts/lib/steps.sh
source "$REPO_ROOT/scripts/lib/steps.sh"

log() { printf '    %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
