#!/bin/sh
# npm run test:container: builds the CPU image as users do (BuildKit, from a clean context) and runs
# it under the Docker daemon (test/container). Where the official Node image cannot be pulled (no
# registry access), it builds on a local base made by infra/make-base-image.sh.
#
#   EDGESERVE_NODE_IMAGE=node:22-bookworm-slim npm run test:container   # the default base, pulled
#
# Needs a running Docker daemon (docs/container.md says how to start one without a bridge).
set -eu
cd "$(dirname "$0")/.."
base=${EDGESERVE_NODE_IMAGE:-edgeserve-node-base:local}
if [ "$base" = edgeserve-node-base:local ] && ! docker image inspect "$base" >/dev/null 2>&1; then
  infra/make-base-image.sh "$base"
fi
image=${EDGESERVE_IMAGE:-edgeserve:cpu}
# BuildKit through the CLI's buildx plugin, or, without it, through a CLI that talks to the
# daemon's own BuildKit (Debian's docker.io: /usr/bin/docker).
build=docker
if ! docker buildx version >/dev/null 2>&1 && [ -x /usr/bin/docker ]; then build=/usr/bin/docker; fi
start=$(date +%s)
DOCKER_BUILDKIT=1 $build build --quiet --network host --build-arg NODE_IMAGE="$base" -f infra/Dockerfile.cpu -t "$image" . >/dev/null
echo "$image: built in $(( $(date +%s) - start )) s, $(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}') (base $base: $(docker image inspect --format '{{.Size}}' "$base" | awk '{printf "%.0f MB", $1 / 1e6}'))"
EDGESERVE_IMAGE="$image" npx vitest run --config vitest.container.config.ts
