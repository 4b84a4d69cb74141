#!/usr/bin/env bash
# The GPU check in one command, for a bare Linux machine with an NVIDIA GPU and Node 20+:
#   bench/gpu-check.sh [bench/gpu-check.ts flags]
#   bench/gpu-check.sh --require-gpu --out bench/results/$(date +%F)-gpu-check.md
# 1. installs the npm dependencies when node_modules is missing, and onnxruntime-node's CUDA 12
#    execution provider (libonnxruntime_providers_cuda.so, from NuGet's
#    Microsoft.ML.OnnxRuntime.Gpu.Linux; .npmrc's onnxruntime-node-install=skip leaves it out);
# 2. says which CUDA libraries that provider cannot find (ldd), since then --device=gpu falls back;
# 3. runs bench/gpu-check.ts: gpu vs cpu servers, provider proof, outputs within 1e-4, batching
#    load side by side, a table (docs/container.md). Without a GPU it runs on CPU and says so.
# Needs network for step 1 unless node_modules (with the provider) was carried to the machine.
# EDGESERVE_CUDA_LIBS=dir[:dir] adds folders of CUDA 12 / cuDNN 9 libraries to LD_LIBRARY_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "gpu-check: $*"; }

node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null ||
  { say "needs Node 20 or newer on PATH (found: $(node --version 2>/dev/null || echo none))"; exit 2; }

gpu=no
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu=yes
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu-check: GPU: /'
else
  say "no NVIDIA GPU visible (nvidia-smi): running on CPU; the --device=gpu server will fall back"
fi

install=skip
[ "$gpu" = yes ] && install=cuda12
if [ ! -d node_modules/onnxruntime-node ]; then
  say "installing npm dependencies (ONNXRUNTIME_NODE_INSTALL=$install)"
  ONNXRUNTIME_NODE_INSTALL=$install npm ci --no-audit --no-fund
fi

LIB=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ "$gpu" = yes ] && [ ! -f "$LIB/libonnxruntime_providers_cuda.so" ]; then
  say "fetching onnxruntime-node's CUDA 12 provider (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux)"
  (cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js) ||
    say "could not fetch it (no network?): copy $LIB/libonnxruntime_providers_{cuda,shared}.so from a machine that has them"
fi

if [ -n "${EDGESERVE_CUDA_LIBS:-}" ]; then export LD_LIBRARY_PATH="$EDGESERVE_CUDA_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
if [ "$gpu" = yes ] && [ -f "$LIB/libonnxruntime_providers_cuda.so" ]; then
  missing=$(ldd "$LIB/libonnxruntime_providers_cuda.so" | awk '/not found/ {print $1}' | tr '\n' ' ')
  if [ -n "$missing" ]; then
    say "the CUDA provider cannot find: $missing"
    say "it is built for CUDA 12 and cuDNN 9: install them, or point EDGESERVE_CUDA_LIBS at their lib folders; until then --device=gpu falls back to CPU"
  else
    say "the CUDA provider finds all its libraries"
  fi
fi

exec node --import tsx bench/gpu-check.ts "$@"
