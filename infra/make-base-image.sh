#!/bin/sh
# A Node base image made locally, for a machine that cannot pull node:22-bookworm-slim (no registry
# access): Debian bookworm (debootstrap --variant=minbase, from Debian's mirror) with this
# machine's node and npm copied in, imported as a Docker image. The Dockerfiles take it as
# NODE_IMAGE; where the official image can be pulled, it stays the default.
#
#   sudo infra/make-base-image.sh [tag]      # default tag: edgeserve-node-base:local
#   DOCKER_BUILDKIT=1 docker build --network host --build-arg NODE_IMAGE=edgeserve-node-base:local \
#     -f infra/Dockerfile.cpu -t edgeserve:cpu .
#
# Needs root, debootstrap and a running Docker daemon (docs/container.md). About a minute.
set -eu
tag=${1:-edgeserve-node-base:local}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase --include=ca-certificates bookworm "$work/fs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$work/fs/usr/local/bin" "$work/fs/usr/local/lib/node_modules"
cp "$(readlink -f "$(command -v node)")" "$work/fs/usr/local/bin/node"
cp -r "$npm_dir" "$work/fs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/fs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/fs/usr/local/bin/npx"
# The certificate authorities this machine trusts (a proxy's own CA among them, where there is
# one), for npm and node inside the image (NODE_EXTRA_CA_CERTS below), as on the machine.
cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$work/fs/etc/ssl/certs/ca-certificates.crt"
# The official image's user: uid and gid 1000, named node.
chroot "$work/fs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/sh --create-home node'
rm -rf "$work/fs/var/cache/apt/"* "$work/fs/var/lib/apt/lists/"* "$work/fs/usr/share/doc" "$work/fs/usr/share/man"
tar -C "$work/fs" -c . | docker import --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "$tag" >/dev/null
echo "$tag: $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}'), node $(node --version)"
