#!/usr/bin/env bash
# Validates .github/workflows with actionlint (built from its Go module by the toolchain, or built here
# when missing), with shellcheck on every `run:` script.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

actionlint=$(command -v actionlint || true)
if [[ -z $actionlint ]]; then
  actionlint="$CLOUD_BENCHMARK_CACHE/bin/actionlint"
  [[ -x $actionlint ]] || bash "$REPO_ROOT/scripts/toolchain/go-programs.sh" actionlint >&2
fi
cd "$REPO_ROOT"
"$actionlint" -no-color
log "actionlint: .github/workflows clean"
