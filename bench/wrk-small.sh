# Sourced by the cost scripts (trace-cost.sh, capture-cost.sh, shadow-cost.sh): the bench's small
# model and a wrk script that POSTs its one-row predict body. Sets BASE (the model's base path)
# and POST_LUA (the wrk script), and defines measure PORT LABEL: a 2 s warm-up at 32 callers,
# then 3 s at 1 and at 32 callers, printing p50, p99 and req/s.
BASE=$(npx tsx -e "import { modelBasePath, MODELS } from './bench/models.ts'; modelBasePath(MODELS[0]).then((p) => process.stdout.write(p))")
npx tsx -e "import { predictBody, MODELS } from './bench/models.ts'; process.stdout.write(predictBody(MODELS[0]))" > /tmp/edgeserve-bench-body.json
POST_LUA=/tmp/edgeserve-bench-post.lua
cat > "$POST_LUA" <<'LUA'
wrk.method = "POST"
local f = io.open("/tmp/edgeserve-bench-body.json", "r"); wrk.body = f:read("*a"); f:close()
wrk.headers["content-type"] = "application/json"
LUA
measure() {
  local port=$1 label=$2
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/v1/models/m" && break; sleep 0.1; done
  wrk -t1 -c32 -d2s -s "$POST_LUA" "http://127.0.0.1:$port/v1/models/m:predict" > /dev/null
  for c in 1 32; do
    wrk -t1 -c$c -d3s --latency -s "$POST_LUA" "http://127.0.0.1:$port/v1/models/m:predict" \
      | awk -v l="$label" -v c=$c '/ 50%/ {p50=$2} / 99%/ {p99=$2} /Requests\/sec/ {r=$2} END {printf "%s, %d callers: p50 %s, p99 %s, %s req/s\n", l, c, p50, p99, r}'
  done
}
