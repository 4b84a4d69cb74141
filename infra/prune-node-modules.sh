#!/bin/sh
# Run in an image's deps stage after `npm ci --omit=dev`: removes what a Linux server image never
# runs (the other platforms' and the other CPU architecture's onnxruntime-node binaries, and
# onnxruntime-web, which only Workers, Deno and `--backend=wasm` outside the image use), and
# source maps. The Lambda package strips the same (serverless.yml).
set -eu
arch=$(node -p process.arch)
cd node_modules
rm -rf onnxruntime-node/bin/napi-v6/darwin onnxruntime-node/bin/napi-v6/win32 onnxruntime-web
for dir in onnxruntime-node/bin/napi-v6/linux/*; do
  [ "$(basename "$dir")" = "$arch" ] || rm -rf "$dir"
done
find . -name '*.map' -type f -delete
