#!/usr/bin/env bash
# The end-to-end tests on a busy host: starts BURNERS (default 2) processes that each keep a core busy,
# runs the given vitest files beside them (default: the stack and compare end-to-end tests), and stops
# the burners on any exit. A service that refuses requests because the *host* is slow, not because it
# has a backlog, fails these tests. Not part of CI's timing: it is a reliability check run by hand.
#   bash scripts/test-busy-host.sh [vitest file ...]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/steps.sh
source scripts/lib/steps.sh
export PATH="$PWD/node_modules/.bin:$PATH"

burners=${BURNERS:-2}
[[ $burners =~ ^[0-9]+$ ]] || {
  echo "BURNERS must be a whole number, got '$burners'" >&2
  exit 2
}
files=("$@")
((${#files[@]})) || files=(test/e2e/stack-environments.test.ts test/e2e/stack-signals.test.ts
  test/e2e/stack-faults.test.ts test/e2e/compare.test.ts)

pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
stop_burners() {
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    echo "stopped the busy loops"
  fi
}
trap stop_burners EXIT

# Busy loops in processes of their own (not threads of the test runner), at the default priority, so
# they compete with the stack, the app and the tests for the same cores.
for ((i = 0; i < burners; i++)); do
  node -e 'for (;;) {}' &
  pids+=("$!")
done
echo "started $burners busy loops: pids ${pids[*]}"

# Under set -e a failing step exits with its status; the EXIT trap stops the busy loops either way.
step "e2e tests beside $burners busy loops" env CB_REQUIRE_DOCKER=1 vitest run "${files[@]}"
