#!/usr/bin/env bash
# A real two-node Kubernetes cluster on this one machine, for the tests and for trying the Helm chart
# without a cloud: the programs built from the Go module proxy (scripts/toolchain/go-programs.sh),
# Debian's containerd, runc and CNI plugins, local images imported into each node (no registry).
#
#   cluster.sh up [IMAGE...]   start (or keep) the cluster, import the Docker images named
#   cluster.sh images IMAGE... import Docker images into both nodes
#   cluster.sh status          nodes and system pods, or "down"
#   cluster.sh down            stop everything and remove what up made: processes, containers,
#                              mounts, the node's network namespace, links, routes, iptables chains
#   cluster.sh env             the KUBECONFIG and PATH lines to `eval`
#   cluster.sh packages        install Debian's containerd, runc and CNI plugins (the toolchain does)
#
# Node 1 runs in the host's namespaces; node 2 in its own network namespace with private mounts and
# its own cgroup root. Root only. Addresses: the API server and node 1 at 10.88.0.1 (on lo), node 2 at
# 10.88.1.2 behind the bridge cb-k8s-br, pods 10.244.0.0/24 and 10.244.1.0/24, Services 10.96.0.0/16.
# Pods reach only each other, the nodes and the Services: the CNI plugin masquerades nothing and
# CoreDNS forwards nothing. Why each setting is needed: docs/kubernetes-test-cluster.md.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
started=$SECONDS

[[ $(id -u) -eq 0 ]] || die "the test cluster needs root (network namespaces, mounts, iptables)"

STATE=${CB_K8S_DIR:-/var/lib/cloud-benchmark/k8s}
BIN="$CLOUD_BENCHMARK_CACHE/bin"
KBIN="$BIN/kubernetes-$KUBERNETES_MODULE_VERSION"
export PATH="$KBIN:$BIN:$PATH" KUBECONFIG="$STATE/admin.kubeconfig"
API_IP=10.88.0.1
NODE2_IP=10.88.1.2
NODE_BRIDGE_IP=10.88.1.254
NODE_BRIDGE=cb-k8s-br
NODE2_VETH=cb-k8s-n2
NETNS=cb-k8s-node2
POD_CIDR=10.244.0.0/16
NODE1_PODS=10.244.0.0/24
NODE2_PODS=10.244.1.0/24
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
PAUSE_IMAGE="$LOCAL_IMAGE_PREFIX/pause:1"
COREDNS_IMAGE="$LOCAL_IMAGE_PREFIX/coredns:${COREDNS_MODULE_VERSION#v}"
# Every iptables rule of ours carries this comment, so down removes exactly those.
RULE_TAG=cloud-benchmark-k8s
CGROUP_CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids systemd)

need_programs() {
  local p missing=()
  for p in "$KBIN/kube-apiserver" "$KBIN/kubelet" "$KBIN/kubectl" "$BIN/etcd" "$BIN/coredns"; do
    [[ -x $p ]] || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "building the cluster's programs (missing: ${missing[*]})"
    bash "$REPO_ROOT/scripts/toolchain/go-programs.sh" kubernetes etcd coredns
  fi
  packages
  log "$(kubectl version --client | head -n 1); etcd $("$BIN/etcd" --version | head -n 1 | awk '{print $3}'); $(containerd --version | awk '{print $1, $3}')"
}

# Debian's containerd, runc and CNI plugins (bridge, host-local, portmap, loopback).
packages() {
  if [[ ! -x /usr/lib/cni/bridge ]] || ! command -v containerd >/dev/null || ! command -v runc >/dev/null; then
    apt_install containerd runc containernetworking-plugins
  fi
  log "$(containerd --version | awk '{print $1, $3}'), $(runc --version | head -n 1), CNI plugins in /usr/lib/cni"
}

# The cluster's own images: the pause container (pause.c, static) and CoreDNS, FROM scratch (rebuilt
# only when the binary changes: build_image in scripts/lib/common.sh).
build_local_images() {
  local ctx
  ctx=$(mktemp -d)
  gcc -O2 -static -o "$ctx/pause" "$REPO_ROOT/scripts/k8s/pause.c"
  printf '%s\n' 'FROM scratch' 'COPY pause /pause' 'USER 65535:65535' 'ENTRYPOINT ["/pause"]' >"$ctx/Dockerfile"
  build_image "$PAUSE_IMAGE" "$ctx"
  rm -rf "$ctx"
  ctx=$(mktemp -d)
  cp "$(readlink -f "$BIN/coredns")" "$ctx/coredns"
  printf '%s\n' 'FROM scratch' 'COPY coredns /coredns' 'ENTRYPOINT ["/coredns"]' >"$ctx/Dockerfile"
  build_image "$COREDNS_IMAGE" "$ctx"
  rm -rf "$ctx"
}

# A CA, the API server's certificate (also its client certificate towards the kubelets), one serving
# certificate per kubelet with its address, the service-account key pair and a token per identity.
pki() {
  local p="$STATE/pki"
  [[ -f $p/tokens.csv ]] && {
    log "kept $p"
    return
  }
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=cloud-benchmark-test-ca \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  cert() { # name CN subjectAltName
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$p/$1.key" -out "$p/$1.csr" 2>/dev/null
    openssl x509 -req -in "$p/$1.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$3") \
      -out "$p/$1.crt" 2>/dev/null
    rm -f "$p/$1.csr"
  }
  cert apiserver kube-apiserver \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1,IP:$API_IP,IP:127.0.0.1"
  cert node1 system:node:cb-node1 "DNS:cb-node1,IP:$API_IP"
  cert node2 system:node:cb-node2 "DNS:cb-node2,IP:$NODE2_IP"
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  local t=()
  for _ in 1 2 3 4 5 6; do t+=("$(openssl rand -hex 16)"); done
  cat >"$p/tokens.csv" <<CSV
${t[0]},cloud-benchmark-admin,admin,"system:masters"
${t[1]},system:kube-controller-manager,kcm
${t[2]},system:kube-scheduler,scheduler
${t[3]},system:kube-proxy,proxy
${t[4]},system:node:cb-node1,node1,"system:nodes"
${t[5]},system:node:cb-node2,node2,"system:nodes"
CSV
  chmod 600 "$p"/*.key "$p/tokens.csv"
  log "wrote $p"
}

# A kubeconfig per identity, from its token. They exist only while the cluster is up: with the cluster
# down, 10.88.0.1 is not this machine's, and a kubectl must not go looking for it elsewhere.
kubeconfigs() {
  local token user _rest
  while IFS=, read -r token user _rest; do
    case $user in
      cloud-benchmark-admin) kubeconfig admin "$token" ;;
      system:kube-controller-manager) kubeconfig controller-manager "$token" ;;
      system:kube-scheduler) kubeconfig scheduler "$token" ;;
      system:kube-proxy) kubeconfig proxy "$token" ;;
      system:node:cb-node1) kubeconfig node1 "$token" ;;
      system:node:cb-node2) kubeconfig node2 "$token" ;;
    esac
  done <"$STATE/pki/tokens.csv"
}

kubeconfig() { # name token
  cat >"$STATE/$1.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: cloud-benchmark
    cluster: { server: 'https://$API_IP:6443', certificate-authority: '$STATE/pki/ca.crt' }
users:
  - name: $1
    user: { token: '$2' }
contexts:
  - name: cloud-benchmark
    context: { cluster: cloud-benchmark, user: $1 }
current-context: cloud-benchmark
YAML
  chmod 600 "$STATE/$1.kubeconfig"
}

# start NAME COMMAND...: in the background, logged, its pid recorded for down.
start() {
  local name=$1
  shift
  nohup "$@" >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/run/$name.pid"
}

# wait_for WHAT SECONDS COMMAND...: polls a condition (the state itself, not a guess of its time).
wait_for() {
  local what=$1 limit=$2 i
  shift 2
  for ((i = 0; i < limit * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "$what: not within ${limit} s (logs: $STATE/logs)"
}

control_plane() {
  ip addr replace "$API_IP/32" dev lo
  start etcd "$BIN/etcd" --name cb-etcd --data-dir "$STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster cb-etcd=http://127.0.0.1:2380
  wait_for "etcd" 60 curl -sf http://127.0.0.1:2379/health
  local p="$STATE/pki"
  start kube-apiserver "$KBIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --bind-address "$API_IP" --advertise-address "$API_IP" --secure-port 6443 \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" --client-ca-file "$p/ca.crt" \
    --token-auth-file "$p/tokens.csv" --authorization-mode Node,RBAC --allow-privileged \
    --service-cluster-ip-range "$SERVICE_CIDR" --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --kubelet-preferred-address-types InternalIP --kubelet-certificate-authority "$p/ca.crt" \
    --kubelet-client-certificate "$p/apiserver.crt" --kubelet-client-key "$p/apiserver.key"
  wait_for "the API server" 120 kubectl get --raw /readyz
  start kube-controller-manager "$KBIN/kube-controller-manager" --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --use-service-account-credentials --cluster-cidr "$POD_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" \
    --leader-elect=false
  start kube-scheduler "$KBIN/kube-scheduler" --kubeconfig "$STATE/scheduler.kubeconfig" --bind-address 127.0.0.1 \
    --leader-elect=false
  # The API server's identity may call the kubelets (logs, exec, port-forward).
  kubectl create clusterrolebinding cloud-benchmark-apiserver-kubelet --clusterrole=system:kubelet-api-admin \
    --user=kube-apiserver --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}

# node_files N DIR PODS: containerd's configuration (CRI with a restricted oom_score_adj: runc may not
# lower it without CAP_SYS_RESOURCE here), the CNI bridge and the kubelet's configuration.
node_files() {
  local n=$1 dir=$2 pods=$3 extra=${4:-}
  mkdir -p "$dir/containerd" "$dir/cni" "$dir/kubelet" "$dir/podlogs" "$dir/containerlogs"
  cat >"$dir/containerd/config.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$dir/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
TOML
  cat >"$dir/cni/10-cb-pods.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "cb-pods-$n",
  "plugins": [
    {"type": "bridge", "bridge": "cb-pods", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$dir/ipam", "ranges": [[{"subnet": "$pods"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
JSON
  cat >"$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine's cgroups are v1, which the kubelet refuses unless told; cgroupfs, as there is no systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
failSwapOn: false
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $STATE/pki/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $STATE/pki/node$n.crt
tlsPrivateKeyFile: $STATE/pki/node$n.key
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: /etc/resolv.conf
# The images are imported, not pulled: never garbage-collect them, evict only when truly short.
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1% }
serializeImagePulls: false
healthzBindAddress: 127.0.0.1
$extra
YAML
}

node1() {
  local dir="$STATE/node1"
  node_files 1 "$dir" "$NODE1_PODS"
  start containerd-node1 containerd --config "$dir/containerd/config.toml"
  wait_for "node 1's containerd" 30 test -S "$dir/containerd/containerd.sock"
  start kubelet-node1 "$KBIN/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$STATE/node1.kubeconfig" \
    --root-dir "$dir/kubelet" --hostname-override cb-node1 --node-ip "$API_IP"
  start kube-proxy-node1 "$KBIN/kube-proxy" --kubeconfig "$STATE/proxy.kubeconfig" --hostname-override cb-node1 \
    --proxy-mode iptables --cluster-cidr "$POD_CIDR" \
    --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256
}

node2() {
  local dir="$STATE/node2" c
  # Its cgroup root, inside each hierarchy, with the cpuset it may use.
  for c in "${CGROUP_CONTROLLERS[@]}"; do mkdir -p "/sys/fs/cgroup/$c/cb-node2"; done
  cat /sys/fs/cgroup/cpuset/cpuset.cpus >/sys/fs/cgroup/cpuset/cb-node2/cpuset.cpus
  cat /sys/fs/cgroup/cpuset/cpuset.mems >/sys/fs/cgroup/cpuset/cb-node2/cpuset.mems
  node_files 2 "$dir" "$NODE2_PODS" "cgroupRoot: /cb-node2"
  # Its network: a veth into the namespace, behind a bridge on the host, a route to its pods.
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
  ip addr replace "$NODE_BRIDGE_IP/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  ip netns list 2>/dev/null | grep -qw "$NETNS" || ip netns add "$NETNS"
  ip link show "$NODE2_VETH" >/dev/null 2>&1 || ip link add "$NODE2_VETH" type veth peer name eth0 netns "$NETNS"
  ip link set "$NODE2_VETH" master "$NODE_BRIDGE" up
  ip -n "$NETNS" addr replace "$NODE2_IP/24" dev eth0
  ip -n "$NETNS" link set eth0 up
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" route replace default via "$NODE_BRIDGE_IP"
  ip netns exec "$NETNS" sysctl -qw net.ipv4.ip_forward=1
  ip route replace "$NODE2_PODS" via "$NODE2_IP"
  # Inside: private mounts (ip netns exec), the node's programs, each recorded for down.
  nohup ip netns exec "$NETNS" bash "$REPO_ROOT/scripts/k8s/node2.sh" "$dir" "$STATE" "$KBIN" "$NODE2_IP" \
    >"$STATE/logs/node2.log" 2>&1 &
  echo $! >"$STATE/run/node2-namespace.pid"
  wait_for "node 2's containerd" 30 test -S "$dir/containerd/containerd.sock"
}

# Docker sets FORWARD's policy to DROP: accept what flows between pods and nodes, nothing more.
forward_rules() {
  local rule
  for rule in "-s $POD_CIDR -d $POD_CIDR" "-s $POD_CIDR -d 10.88.0.0/16" "-s 10.88.0.0/16 -d $POD_CIDR"; do
    # shellcheck disable=SC2086 # the rule's words
    iptables -C FORWARD $rule -m comment --comment "$RULE_TAG" -j ACCEPT 2>/dev/null ||
      iptables -I FORWARD $rule -m comment --comment "$RULE_TAG" -j ACCEPT
  done
  # A Service address exists only as kube-proxy's NAT rule: a connection from this host to one whose
  # rule is not in place yet would follow the default route off the machine. Filtering comes after NAT,
  # so what is still addressed to the Service range here was not rewritten: refused at once.
  iptables -C OUTPUT -d "$SERVICE_CIDR" -m comment --comment "$RULE_TAG" -j REJECT 2>/dev/null ||
    iptables -I OUTPUT -d "$SERVICE_CIDR" -m comment --comment "$RULE_TAG" -j REJECT
}

import_images() {
  local image sock
  for sock in "$STATE/node1/containerd/containerd.sock" "$STATE/node2/containerd/containerd.sock"; do
    [[ -S $sock ]] || die "node not running ($sock): run cluster.sh up first"
  done
  local id node record
  for image in "$@"; do
    id=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null) || die "no Docker image $image"
    for node in node1 node2; do
      # What each node has is recorded by image ID: an unchanged image is not imported twice.
      record="$STATE/$node/imported/$(printf '%s' "$image" | tr '/:@' '___')"
      if [[ -f $record && $(cat "$record") == "$id" ]]; then
        log "$image already on $node"
        continue
      fi
      docker save "$image" | ctr -a "$STATE/$node/containerd/containerd.sock" -n k8s.io images import - >/dev/null
      mkdir -p "$STATE/$node/imported"
      printf '%s\n' "$id" >"$record"
      log "imported $image into $node"
    done
  done
}

nodes_ready() {
  [[ $(kubectl get nodes --no-headers 2>/dev/null | grep -c ' Ready ') -eq 2 ]]
}

# Running: its API server's process is alive (whether or not a node is Ready at this moment).
running() {
  [[ -f $STATE/run/kube-apiserver.pid ]] && kill -0 "$(cat "$STATE/run/kube-apiserver.pid")" 2>/dev/null
}

up() {
  if running; then
    # A running cluster is never recreated here: a node briefly NotReady under load is waited for.
    step "already running: both nodes Ready" self wait_for "two Ready nodes" 120 nodes_ready
  else
    if [[ -d $STATE/run ]]; then step "what an earlier run left" self down; fi
    mkdir -p "$STATE/run" "$STATE/logs"
    step "programs" self need_programs
    step "pause and CoreDNS images" self build_local_images
    step "certificates and identities" self pki
    step "kubeconfigs" self kubeconfigs
    step "control plane (etcd, API server, controller manager, scheduler)" self control_plane
    step "forwarding between pods and nodes; the Service range kept on the machine" self forward_rules
    step "node 1 (host namespaces)" self node1
    step "node 2 (network namespace $NETNS)" self node2
    step "the cluster's images into both nodes" self import_images "$PAUSE_IMAGE" "$COREDNS_IMAGE"
    step "both nodes Ready" self wait_for "two Ready nodes" 180 nodes_ready
    step "CoreDNS" self coredns
  fi
  [[ $# -eq 0 ]] || step "images" self import_images "$@"
  kubectl get nodes -o wide
  printf 'cluster up in %ss; KUBECONFIG=%s\n' "$((SECONDS - started))" "$KUBECONFIG"
}

# Stops the processes by their pid files (never by name: other containerds and kubelets are not ours).
stop_pids() {
  local f pids=() alive i
  for f in "$@"; do
    [[ -f $f ]] || continue
    pids+=("$(cat "$f")")
    rm -f "$f"
  done
  [[ ${#pids[@]} -gt 0 ]] || return 0
  kill "${pids[@]}" 2>/dev/null || true
  # A throw-away cluster: ten seconds to stop cleanly, then killed.
  for ((i = 0; i < 20; i++)); do
    alive=()
    for f in "${pids[@]}"; do kill -0 "$f" 2>/dev/null && alive+=("$f"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.5
  done
  kill -9 "${alive[@]}" 2>/dev/null || true
}

# The pods' network namespaces, which the sandboxes' specs name (/run/netns/cni-…): containers removed
# here get no CNI DEL, so each namespace, its veth and the plugins' cached results (named after the
# sandbox: our bridge network's and containerd's own loopback's) would stay behind.
POD_NETNS=()
POD_SANDBOXES=()
remove_containers() {
  local sock=$1 t c ns
  [[ -S $sock ]] || return 0
  for c in $(ctr -a "$sock" -n k8s.io containers ls -q 2>/dev/null); do
    ns=$(ctr -a "$sock" -n k8s.io containers info "$c" 2>/dev/null | grep -oE '/(var/)?run/netns/cni-[0-9a-f-]+' | head -n 1 || true)
    [[ -n $ns ]] || continue
    POD_NETNS+=("$ns")
    POD_SANDBOXES+=("$c")
  done
  for t in $(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr -a "$sock" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
  done
  for t in $(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr -a "$sock" -n k8s.io tasks rm -f "$t" >/dev/null 2>&1 || true
  done
  for c in $(ctr -a "$sock" -n k8s.io containers ls -q 2>/dev/null); do
    ctr -a "$sock" -n k8s.io containers rm "$c" >/dev/null 2>&1 || true
  done
}

# Removes the chains the kubelet, kube-proxy and the CNI plugins made, and the jumps to them.
remove_chains() {
  local cmd table chain
  for cmd in iptables ip6tables; do
    for table in filter nat mangle; do
      # -S prints rules quoted as a shell would read them (comments hold spaces): eval reads them so.
      "$cmd" -t "$table" -S 2>/dev/null | { grep -E -- '-j (KUBE|CNI)-' || true; } | sed 's/^-A/-D/' |
        while read -r rule; do eval "$cmd -t $table $rule" 2>/dev/null || true; done
      for chain in $("$cmd" -t "$table" -S 2>/dev/null | awk '/^-N (KUBE|CNI)-/{print $2}'); do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd" -t "$table" -S 2>/dev/null | awk '/^-N (KUBE|CNI)-/{print $2}'); do
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  for chain in FORWARD OUTPUT; do
    iptables -S "$chain" | { grep -- "--comment $RULE_TAG" || true; } | sed 's/^-A/-D/' |
      while read -r rule; do eval "iptables $rule" 2>/dev/null || true; done
  done
}

down() {
  local run="$STATE/run" c root m
  # The kubelets first, so they restart nothing; then every container, then the rest.
  stop_pids "$run/kubelet-node1.pid" "$run/kubelet-node2.pid" "$run/kube-proxy-node1.pid" "$run/kube-proxy-node2.pid"
  remove_containers "$STATE/node1/containerd/containerd.sock"
  remove_containers "$STATE/node2/containerd/containerd.sock"
  stop_pids "$run/containerd-node1.pid" "$run/containerd-node2.pid" "$run/kube-scheduler.pid" \
    "$run/kube-controller-manager.pid" "$run/kube-apiserver.pid" "$run/etcd.pid" "$run/node2-namespace.pid"
  # Mounts under the state directory (containerd's, the kubelets' volumes), deepest first.
  if [[ -d $STATE ]]; then
    awk -v s="$STATE/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  fi
  # The pods' namespaces (their veths go with them) and the bridge plugin's cached results.
  local ns
  for ns in "${POD_NETNS[@]}"; do
    ip netns del "${ns##*/}" 2>/dev/null || { umount -l "$ns" 2>/dev/null || true; rm -f "$ns"; }
  done
  for c in "${POD_SANDBOXES[@]}"; do rm -f /var/lib/cni/results/*-"$c"-*; done
  rm -f /var/lib/cni/results/cb-pods-*
  # The veth goes with the namespace; each removal tolerates what is already gone.
  ip netns del "$NETNS" 2>/dev/null || true
  ip link del "$NODE2_VETH" 2>/dev/null || true
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  ip link del cb-pods 2>/dev/null || true
  ip route del "$NODE2_PODS" 2>/dev/null || true
  ip addr del "$API_IP/32" dev lo 2>/dev/null || true
  remove_chains
  # The pods' cgroups (node 1's under kubepods, node 2's whole root), deepest first.
  for c in "${CGROUP_CONTROLLERS[@]}"; do
    for root in "/sys/fs/cgroup/$c/kubepods" "/sys/fs/cgroup/$c/cb-node2"; do
      [[ -d $root ]] && find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  done
  # The nodes' state goes (images, pods, etcd); the certificates stay for the next up.
  rm -rf "$STATE/etcd" "$STATE/node1" "$STATE/node2" "$STATE/run" "$STATE"/*.kubeconfig
  # What is left is counted, not assumed.
  local left=()
  pgrep -f "^$KBIN/|^$BIN/etcd|containerd --config $STATE/" >/dev/null && left+=("processes: $(pgrep -f "^$KBIN/|^$BIN/etcd|containerd --config $STATE/" | tr '\n' ' ')")
  awk -v s="$STATE/" 'index($2, s) == 1' /proc/mounts | grep -q . && left+=("mounts under $STATE")
  ip netns list 2>/dev/null | grep -qw "$NETNS" && left+=("network namespace $NETNS")
  for ns in "${POD_NETNS[@]}"; do [[ -e $ns ]] && left+=("pod network namespace $ns"); done
  for c in "${POD_SANDBOXES[@]}"; do
    compgen -G "/var/lib/cni/results/*-$c-*" >/dev/null && left+=("CNI results of sandbox $c")
  done
  compgen -G '/var/lib/cni/results/cb-pods-*' >/dev/null && left+=("CNI results in /var/lib/cni/results")
  ip -br link 2>/dev/null | grep -qE "^($NODE_BRIDGE|$NODE2_VETH|cb-pods)[ @]" && left+=("links")
  ip -br addr show dev lo 2>/dev/null | grep -q "$API_IP/32" && left+=("address $API_IP on lo")
  iptables-save | grep -qE '^:(KUBE|CNI)-|cloud-benchmark-k8s' && left+=("iptables chains or rules")
  [[ ${#left[@]} -eq 0 ]] || die "down left: ${left[*]}"
  log "down: no process, mount, namespace, link, route, address or chain of the cluster remains"
}

coredns() {
  sed -e "s|__COREDNS_IMAGE__|$COREDNS_IMAGE|" -e "s|__DNS_IP__|$DNS_IP|" \
    "$REPO_ROOT/scripts/k8s/coredns.yaml" | kubectl apply -f - >/dev/null
  kubectl -n kube-system rollout status deploy/coredns --timeout=180s
}

# step runs its command where errexit is off: each step is this script again, with errexit on.
self() { bash "${BASH_SOURCE[0]}" internal "$@"; }

# A failed up shows the end of each log, then removes what it made (CB_K8S_KEEP=1 keeps it to look at).
failed_up() {
  local rc=$1 f
  [[ $rc -eq 0 ]] && return
  for f in "$STATE"/logs/*.log; do
    [[ -f $f ]] || continue
    printf -- '--- %s (last lines)\n' "$f"
    tail -n 5 "$f"
  done
  if [[ ${CB_K8S_KEEP:-} == 1 ]]; then
    log "kept as it is (CB_K8S_KEEP=1); cluster.sh down removes it"
  else
    step "remove what the failed up made" self down || true
  fi
  exit "$rc"
}

status() {
  if running; then
    kubectl get nodes -o wide
    kubectl get pods -A -o wide
  else
    echo down
  fi
}

case ${1:-} in
  up)
    shift
    trap 'failed_up $?' EXIT
    up "$@"
    ;;
  down) step "cluster down" self down ;;
  internal)
    shift
    "$@"
    ;;
  images)
    shift
    [[ $# -gt 0 ]] || die "usage: cluster.sh images IMAGE..."
    import_images "$@"
    ;;
  status) status ;;
  packages) step "containerd, runc, CNI plugins" self packages ;;
  env)
    # shellcheck disable=SC2016 # $PATH is the caller's
    printf 'export KUBECONFIG=%q\nexport PATH=%q:"$PATH"\n' "$KUBECONFIG" "$KBIN:$BIN"
    ;;
  *) die "usage: cluster.sh up [IMAGE...] | images IMAGE... | status | down | env | packages" ;;
esac
