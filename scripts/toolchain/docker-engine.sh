#!/usr/bin/env bash
# Makes sure a Docker engine answers. When none does: installs Debian's docker.io if dockerd is
# missing, then starts dockerd in the background (log in the cache). Idempotent: a running engine is
# left alone. DOCKERD_FLAGS adds daemon flags (e.g. --userland-proxy=false); the compare records
# which setting the daemon ran with.
# On a user's machine with Docker already installed, this does nothing.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

engine_answers() { docker info >/dev/null 2>&1; }

install_engine() {
  if command -v dockerd >/dev/null; then
    log "dockerd present: $(dockerd --version)"
    return
  fi
  [[ $(id -u) -eq 0 ]] || die "dockerd is not installed and this is not root: install Docker, then re-run"
  apt_install docker.io
  log "installed: $(dockerd --version)"
}

start_engine() {
  local logfile="$CLOUD_BENCHMARK_CACHE/dockerd.log"
  # shellcheck disable=SC2086 # DOCKERD_FLAGS is a list of flags
  nohup dockerd ${DOCKERD_FLAGS:-} >"$logfile" 2>&1 &
  for _ in $(seq 1 60); do
    engine_answers && return
    sleep 1
  done
  tail -n 20 "$logfile" >&2
  die "dockerd did not answer within 60 s (log: $logfile)"
}

if engine_answers; then
  log "Docker engine already answering: $(docker version --format '{{.Server.Version}}')"
else
  step "install Docker engine" install_engine
  step "start dockerd ${DOCKERD_FLAGS:-}" start_engine
  log "Docker engine $(docker version --format '{{.Server.Version}}') running"
fi
