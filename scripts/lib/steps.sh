# shellcheck shell=bash
# Shared by the project's scripts: `step NAME COMMAND...` prints what runs and how long it took, and
# returns the command's exit status (also where the caller tests it, as in `step … || status=$?`,
# where bash's errexit is off inside the function). Sourced, not executed.

step() {
  local name=$1 rc=0
  shift
  local started=$SECONDS
  printf '==> %s\n' "$name"
  "$@" || rc=$?
  if [[ $rc -eq 0 ]]; then
    printf '<== %s (%ss)\n' "$name" "$((SECONDS - started))"
  else
    printf '<== %s FAILED with exit status %s (%ss)\n' "$name" "$rc" "$((SECONDS - started))"
  fi
  return "$rc"
}
