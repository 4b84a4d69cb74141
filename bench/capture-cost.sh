#!/bin/bash
# The cost of captured requests: the built server (dist/node/main.mjs, npm run build) serving the
# bench's small model, without and with model.json "capture" {"sample_rate": 1} (every request
# written, inputs and outputs, as JSON lines under the model's folder), and at 1%. wrk over
# loopback (-t1, 1 caller then 32, 3 s after a 2 s warm-up); two rounds, alternating.
#   npm run build && bench/capture-cost.sh
set -eu
cd "$(dirname "$0")/.."
. bench/wrk-small.sh
REPO=$(mktemp -d /tmp/edgeserve-capture-bench-XXXX)
trap 'rm -rf "$REPO"' EXIT
mkdir -p "$REPO/m/1" && cp "$BASE/1/model.onnx" "$REPO/m/1/"
run() {
  local label=$1 json=$2
  echo "$json" > "$REPO/m/model.json"
  node dist/node/main.mjs --model_name=m --model_base_path="$REPO/m" --rest_api_port=8613 --port=0 > /dev/null 2>&1 & local server=$!
  measure 8613 "$label"
  kill $server; wait $server 2>/dev/null || true
  echo "  written: $(cat "$REPO"/m/captures/*/*.jsonl 2>/dev/null | wc -l) records, $(du -sh "$REPO/m/captures" 2>/dev/null | cut -f1)"
  rm -rf "$REPO/m/captures"
}
for _ in 1 2; do
  run "no capture" '{}'
  run "capture, every request" '{"capture": {"sample_rate": 1}}'
  run "capture, 1%" '{"capture": {"sample_rate": 0.01}}'
done
