# shellcheck shell=bash
# Shared by the project's scripts: `step NAME COMMAND...` prints what runs and how long it took.
# Sourced, not executed.

step() {
  local name=$1
  shift
  local started=$SECONDS
  printf '==> %s\n' "$name"
  "$@"
  printf '<== %s (%ss)\n' "$name" "$((SECONDS - started))"
}
