#!/usr/bin/env bash
# Node 2 of the test cluster, run by cluster.sh inside the node's network namespace through
# `ip netns exec`, which also gives it a private mount namespace: what it mounts stays its own.
#   node2.sh NODE_DIR STATE_DIR KUBERNETES_BIN NODE_IP
set -euo pipefail
dir=$1 state=$2 kbin=$3 node_ip=$4

# `ip netns exec` remounts /sys, which hides the cgroup hierarchies: mount them again (the same
# hierarchies as the host's; the kubelet's cgroupRoot keeps this node's pods apart).
mount -t tmpfs cgroup_root /sys/fs/cgroup
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
  mkdir -p "/sys/fs/cgroup/$c"
  mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
done
mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
mount -t cgroup2 none /sys/fs/cgroup/unified
# Node 1's kubelet removes pod logs it does not know: this node keeps its own.
mkdir -p /var/log/pods /var/log/containers
mount --bind "$dir/podlogs" /var/log/pods
mount --bind "$dir/containerlogs" /var/log/containers
mkdir -p /run/containerd
mount -t tmpfs tmpfs /run/containerd

pids=()
containerd --config "$dir/containerd/config.toml" >"$state/logs/containerd-node2.log" 2>&1 &
pids+=($!)
echo $! >"$state/run/containerd-node2.pid"
for _ in $(seq 60); do
  [[ -S $dir/containerd/containerd.sock ]] && break
  sleep 0.5
done
"$kbin/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$state/node2.kubeconfig" --root-dir "$dir/kubelet" \
  --hostname-override cb-node2 --node-ip "$node_ip" >"$state/logs/kubelet-node2.log" 2>&1 &
pids+=($!)
echo $! >"$state/run/kubelet-node2.pid"
"$kbin/kube-proxy" --kubeconfig "$state/proxy.kubeconfig" --hostname-override cb-node2 --proxy-mode iptables \
  --cluster-cidr 10.244.0.0/16 --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 \
  >"$state/logs/kube-proxy-node2.log" 2>&1 &
pids+=($!)
echo $! >"$state/run/kube-proxy-node2.pid"
# The namespace lives as long as its programs.
wait "${pids[@]}"
