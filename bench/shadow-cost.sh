#!/bin/bash
# The cost of shadow traffic: the built server (dist/node/main.mjs, npm run build) serving the
# bench's small model as version 1 (label stable, all unpinned traffic) with an identical version 2
# (label next), with and without model.json "shadow" {"label": "next", "share": 1}: every request
# runs again on version 2 after its answer. wrk over loopback (-t1, 1 caller then 32, 3 s after a
# 2 s warm-up), p50 and p99 latency and req/s; two rounds, alternating.
#   npm run build && bench/shadow-cost.sh
set -eu
cd "$(dirname "$0")/.."
. bench/wrk-small.sh
REPO=$(mktemp -d /tmp/edgeserve-shadow-bench-XXXX)
trap 'rm -rf "$REPO"' EXIT
mkdir -p "$REPO/m/1" "$REPO/m/2"
cp "$BASE/1/model.onnx" "$REPO/m/1/" && cp "$BASE/1/model.onnx" "$REPO/m/2/"
run() {
  local label=$1 json=$2
  echo "$json" > "$REPO/m/model.json"
  node dist/node/main.mjs --model_name=m --model_base_path="$REPO/m" --rest_api_port=8612 --port=0 > /dev/null 2>&1 & local server=$!
  measure 8612 "$label"
  kill $server; wait $server 2>/dev/null || true
}
POLICY='"version_policy": {"all": {}}, "labels": {"stable": 1, "next": 2}, "traffic": {"stable": 100}'
for _ in 1 2; do
  run "no shadow" "{$POLICY}"
  run "shadow, every request" "{$POLICY, \"shadow\": {\"label\": \"next\", \"share\": 1}}"
done
