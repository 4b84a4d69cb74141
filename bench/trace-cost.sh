#!/bin/bash
# The cost of traces: the built server (dist/node/main.mjs, npm run build) on the bench's small
# model, wrk over loopback (-t1, 1 and 32 callers, 3 s after a 2 s warm-up), traces off, on
# (every request sampled) and on at 10% (parentbased_traceidratio 0.1), exported over OTLP/HTTP to
# a receiver on loopback that discards them (bench/otlp-sink.mjs). Two rounds, alternating.
#   npm run build && bench/trace-cost.sh
set -eu
cd "$(dirname "$0")/.."
. bench/wrk-small.sh
node bench/otlp-sink.mjs 4318 & SINK=$!
trap 'kill $SINK 2>/dev/null' EXIT
ENDPOINT=OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces
run() {
  local label=$1; shift
  env "$@" node dist/node/main.mjs --model_name=m --model_base_path="$BASE" --rest_api_port=8611 --port=0 > /dev/null 2>&1 & local server=$!
  measure 8611 "$label"
  kill $server; wait $server 2>/dev/null || true
}
for _ in 1 2; do
  run "off" EDGESERVE_TRACE_BENCH=off
  run "on, every request" "$ENDPOINT"
  run "on, 10% sampled" "$ENDPOINT" OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
done
