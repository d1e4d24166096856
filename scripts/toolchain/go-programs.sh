#!/usr/bin/env bash
# Builds the stack's programs from the Go module proxy at the versions in versions.env, into
# $CLOUD_BENCHMARK_CACHE/bin (one file per program and version, so a version bump rebuilds only that).
# `go install` where the module allows it; otherwise inside a writable copy of the module (modules with
# replace/exclude directives), with GOWORK=off and -mod=mod. Each build prints its time and peak memory.
# Usage: [GO_BUILD_JOBS=N] go-programs.sh [NAME...]   (default: all, two at a time)
# On a machine that can pull images none of this is needed.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || die "go is not installed"
# GNU time reports each build's peak memory.
[[ -x /usr/bin/time ]] || apt_install time

BIN="$CLOUD_BENCHMARK_CACHE/bin"
SRC="$CLOUD_BENCHMARK_CACHE/src"
LOGS="$CLOUD_BENCHMARK_CACHE/logs"
mkdir -p "$BIN" "$SRC" "$LOGS"

# Runs a build command, logging output; reports wall and CPU time and peak RSS (GNU time).
timed_build() {
  local name=$1
  shift
  local log="$LOGS/$name.log"
  if ! /usr/bin/time -f '%e s (CPU %U s user + %S s system), peak %M KiB' -o "$LOGS/$name.time" "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "build of $name failed (log: $log)"
  fi
  log "$name: $(cat "$LOGS/$name.time")"
}

# prometheus/common/version stamps: without them `--version` prints an empty version.
prom_version_flags() {
  local v=github.com/prometheus/common/version
  printf -- '-X %s.Version=%s -X %s.Revision=%s -X %s.Branch=module -X %s.BuildUser=cloud-benchmark' \
    "$v" "${1#v}" "$v" "$1" "$v" "$v"
}

# go_install NAME PACKAGE VERSION [LDFLAGS]
go_install() {
  local name=$1 pkg=$2 version=$3 ldflags=${4:-}
  local out="$BIN/$name-$version"
  [[ -x $out ]] && { log "$name $version cached"; return; }
  local gobin
  gobin=$(mktemp -d)
  timed_build "$name" env GOBIN="$gobin" go install -trimpath -ldflags "$ldflags" "$pkg@$version"
  # One package was installed, so one file: its name is the last path element that is not a /vN suffix.
  mv "$gobin"/* "$out"
  rm -rf "$gobin"
  ln -sfn "$(basename "$out")" "$BIN/$name"
}

# module_copy MODULE VERSION: prints a writable copy of the module's source.
module_copy() {
  local module=$1 version=$2
  local dest
  dest="$SRC/$(echo "$module" | tr '/' '_')@$version"
  if [[ ! -d $dest ]]; then
    local dir
    dir=$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [[ -n $dir ]] || die "go mod download $module@$version gave no directory"
    cp -r "$dir" "$dest.partial"
    chmod -R u+w "$dest.partial"
    mv "$dest.partial" "$dest"
  fi
  printf '%s\n' "$dest"
}

# build_in_copy NAME MODULE VERSION PACKAGE [go build flags...]   (e.g. -ldflags "...")
# VARIANT, when set, names a build with other flags (kept beside the plain one in the cache).
build_in_copy() {
  local name=$1 module=$2 version=$3 pkg=$4
  shift 4
  local out="$BIN/$name-$version${VARIANT:+-$VARIANT}"
  [[ -x $out ]] && { log "$name $version cached"; return; }
  local dir
  dir=$(module_copy "$module" "$version")
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_build "$name" bash -c 'cd "$1" && shift && go build -trimpath -o "$@"' _ "$dir" "$out" "$@" "$pkg"
  ln -sfn "$(basename "$out")" "$BIN/$name"
}

# Helm, with the version and the Kubernetes version its Makefile stamps in (client-go v0.N is Kubernetes
# 1.N): without them `helm template` checks charts' kubeVersion against v1.20.
build_helm() {
  local gomod minor pkg=helm.sh/helm/v3
  gomod=$(go mod download -json "$pkg@$HELM_MODULE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")
  [[ -n $minor ]] || die "no k8s.io/client-go in $gomod"
  local k="-X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=$minor"
  k="$k -X $pkg/pkg/lint/rules.k8sVersionMajor=1 -X $pkg/pkg/lint/rules.k8sVersionMinor=$minor"
  go_install helm "$pkg/cmd/helm" "$HELM_MODULE_VERSION" "-X $pkg/internal/version.version=$HELM_MODULE_VERSION $k"
}
# The test cluster's programs (scripts/k8s/, not yet part of the default set). Kubernetes' go.mod points
# its k8s.io/* staging modules at ./staging, which the module's zip lacks: each is replaced by the
# published k8s.io/<name> at v0.<minor>.<patch>. One `go build` for all six shares the compiled packages;
# the version stamps are the ones hack/lib/version.sh sets.
build_kubernetes() {
  local v=$KUBERNETES_MODULE_VERSION out="$BIN/kubernetes-$KUBERNETES_MODULE_VERSION"
  local programs=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
  if [[ -x $out/kubectl && -x $out/kube-apiserver && -x $out/kubelet ]]; then
    log "kubernetes $v cached"
    return
  fi
  local dir minor=${v#v1.}
  minor=${minor%%.*}
  dir=$(module_copy k8s.io/kubernetes "$v")
  rm -f "$dir/go.work" "$dir/go.work.sum"
  sed -E -i "s#^([[:space:]]*)(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+#\1\2 => \2 v0.${v#v1.}#" "$dir/go.mod"
  local flags="" pkg
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    flags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  mkdir -p "$out.partial"
  local cmds=()
  for pkg in "${programs[@]}"; do cmds+=("./cmd/$pkg"); done
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_build kubernetes bash -c 'cd "$1" && shift && go build -trimpath -ldflags "$1" -o "$2/" "${@:3}"' \
    _ "$dir" "$flags" "$out.partial" "${cmds[@]}"
  rm -rf "$out"
  mv "$out.partial" "$out"
}
# etcd's own module has replace directives; a two-line wrapper module requiring its server builds it.
build_etcd() {
  local out="$BIN/etcd-$ETCD_MODULE_VERSION"
  [[ -x $out ]] && { log "etcd $ETCD_MODULE_VERSION cached"; return; }
  local dir="$SRC/etcd-wrapper@$ETCD_MODULE_VERSION"
  mkdir -p "$dir"
  printf 'module cloud-benchmark/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_MODULE_VERSION" >"$dir/go.mod"
  printf '%s\n' 'package main' '' 'import (' '"os"' '' '"go.etcd.io/etcd/server/v3/etcdmain"' ')' '' \
    'func main() { etcdmain.Main(os.Args) }' >"$dir/main.go"
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_build etcd bash -c 'cd "$1" && go mod tidy && go build -trimpath -o "$2" .' _ "$dir" "$out"
  ln -sfn "$(basename "$out")" "$BIN/etcd"
}
# CoreDNS with the plugins the test cluster's Corefile uses (scripts/k8s/coredns.yaml), as CoreDNS's own
# plugin.cfg mechanism allows: the full set builds the AWS, Azure and Google SDKs for plugins unused here.
build_coredns() {
  local out="$BIN/coredns-$COREDNS_MODULE_VERSION-cluster"
  [[ -x $out ]] && { log "coredns $COREDNS_MODULE_VERSION (cluster plugins) cached"; return; }
  local dir="$SRC/coredns-wrapper@$COREDNS_MODULE_VERSION" p imports=()
  mkdir -p "$dir"
  printf 'module cloud-benchmark/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_MODULE_VERSION" >"$dir/go.mod"
  for p in errors health ready kubernetes cache; do imports+=("_ \"github.com/coredns/coredns/plugin/$p\""); done
  printf '%s\n' 'package main' '' 'import (' '"github.com/coredns/coredns/coremain"' "${imports[@]}" ')' '' \
    'func main() { coremain.Run() }' >"$dir/main.go"
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed_build coredns bash -c 'cd "$1" && go mod tidy && go build -trimpath -o "$2" .' _ "$dir" "$out"
  ln -sfn "$(basename "$out")" "$BIN/coredns"
}
build_kubeconform() {
  go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_MODULE_VERSION" \
    "-X main.version=${KUBECONFORM_MODULE_VERSION#v}"
}
build_actionlint() { go_install actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_MODULE_VERSION"; }
build_vegeta() {
  go_install vegeta github.com/tsenart/vegeta/v12 "$VEGETA_MODULE_VERSION" \
    "-X main.Version=$VEGETA_MODULE_VERSION"
}
build_node_exporter() {
  go_install node_exporter github.com/prometheus/node_exporter "$NODE_EXPORTER_MODULE_VERSION" \
    "$(prom_version_flags "$NODE_EXPORTER_MODULE_VERSION")"
}
build_buildx() {
  go_install docker-buildx github.com/docker/buildx/cmd/buildx "$BUILDX_MODULE_VERSION" \
    "-X github.com/docker/buildx/version.Version=$BUILDX_MODULE_VERSION"
}
build_jaeger() {
  # Its go.mod has a replace directive, so `go install` refuses it.
  build_in_copy jaeger github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" ./cmd/jaeger \
    -ldflags "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$(image_tag "$JAEGER_IMAGE")"
}
build_compose() {
  build_in_copy docker-compose github.com/docker/compose/v5 "$COMPOSE_MODULE_VERSION" ./cmd \
    -ldflags "-X github.com/docker/compose/v5/internal.Version=$COMPOSE_MODULE_VERSION"
}
build_prometheus() {
  # The Go module v0.<major><minor>.<patch> is release <major>.<minor>.<patch> (from the image tag).
  local flags
  flags=$(prom_version_flags "$(image_tag "$PROMETHEUS_IMAGE")")
  # Service discovery: the file and HTTP mechanisms (always built) and Kubernetes' (the cluster tests),
  # not the twenty cloud providers' SDKs, which were most of the build (Prometheus' own build tags,
  # plugins/*.go). The official image has them all.
  local tags=remove_all_sd,enable_kubernetes_sd
  VARIANT=sd-kubernetes build_in_copy prometheus github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" \
    ./cmd/prometheus -tags "$tags" -ldflags "$flags"
  VARIANT=sd-kubernetes build_in_copy promtool github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" \
    ./cmd/promtool -tags "$tags" -ldflags "$flags"
}
build_otelcol() {
  go_install ocb go.opentelemetry.io/collector/cmd/builder "v$OTELCOL_VERSION"
  local manifest="$REPO_ROOT/observability/otel-collector/builder-config.yaml"
  local hash out work
  hash=$(sha256sum "$manifest" | cut -c1-12)
  out="$BIN/otelcol-$OTELCOL_VERSION-$hash"
  if [[ ! -x $out ]]; then
    work="$SRC/otelcol-$hash"
    mkdir -p "$work"
    # OCB takes its output directory from the manifest only: build from a copy that names one here.
    sed "s|^dist:|dist:\n  output_path: $work/out|" "$manifest" >"$work/manifest.yaml"
    # shellcheck disable=SC2016 # expanded by the inner bash
    timed_build otelcol bash -c 'cd "$1" && "$2" --config manifest.yaml' _ "$work" "$BIN/ocb"
    mv "$work/out/otelcol-cloud-benchmark" "$out"
  else
    log "otelcol $OTELCOL_VERSION ($hash) cached"
  fi
  ln -sfn "$(basename "$out")" "$BIN/otelcol"
}

# buildx only on request: compose needs it to build images, which no test does (they run built ones).
# Longest build first (from an empty cache on 2 cores: Kubernetes ~760 s, Jaeger ~420, Prometheus ~280,
# Helm ~140, the Collector ~120, CoreDNS ~110, Compose ~95, the rest under a minute), so that
# GO_BUILD_JOBS builds side by side end at about the same time.
all=(jaeger prometheus helm otelcol compose node_exporter vegeta actionlint kubeconform)
# The two-node test cluster's (scripts/k8s/cluster.sh); CB_TEST_CLUSTER=0 leaves them out.
cluster=(kubernetes coredns etcd)
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=()
  [[ ${CB_TEST_CLUSTER:-1} == 0 ]] || targets+=("${cluster[0]}")
  targets+=("${all[@]}")
  [[ ${CB_TEST_CLUSTER:-1} == 0 ]] || targets+=("${cluster[@]:1}")
fi
for t in "${targets[@]}"; do
  declare -F "build_$t" >/dev/null || die "unknown program $t (known: ${all[*]} ${cluster[*]} buildx)"
done
# GO_BUILD_JOBS (default 2) builds at a time, each a `go-programs.sh NAME` of its own: one go build
# leaves cores idle while it downloads modules, links (one thread) or waits on its package graph's
# longest chain, and another build fills them. Go's module and build caches are safe to share.
jobs=${GO_BUILD_JOBS:-2}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "GO_BUILD_JOBS must be a whole number from 1, not $jobs"
if [[ ${#targets[@]} -gt 1 && $jobs -gt 1 ]]; then
  log "building ${targets[*]}, $jobs at a time"
  printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -n 1 bash "$0" ||
    die "a build failed (its lines above end in FAILED; logs in $LOGS)"
  exit 0
fi
for t in "${targets[@]}"; do
  step "build $t" "build_$t"
done
