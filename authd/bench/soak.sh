#!/usr/bin/env bash
# authd under a steady load for a long time, as it ships (production
# defaults): 256 keep-alive connections spread over the public GET endpoints
# for DURATION seconds (default 600). Reports requests, errors (socket errors
# and non-2xx answers) and authd's RSS after a warm-up and at the end. It
# asserts what the issue promises (0 errors, RSS growth under 5 %) and exits
# 1 if either fails. Traffic stays on 127.0.0.1.
#
#   authd/bench/soak.sh [BUILD_DIR]   env: DURATION=600 CONNECTIONS=256 WARMUP=20
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
DURATION=${DURATION:-600}
CONNECTIONS=${CONNECTIONS:-256}
WARMUP=${WARMUP:-20}
source "$root/authd/bench/lib.sh"
start_authd

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$authd_pid/status"; }
# wrk rotates over the endpoints a relying party and a browser hit without a
# login: discovery and JWKS.
cat >"$work/paths.lua" <<'LUA'
local paths = {"/.well-known/openid-configuration", "/jwks.json"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
url="https://localhost:$authd_port"
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$work/paths.lua" "$url" >/dev/null
start_rss=$(rss_kib)
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/paths.lua" "$url" >"$work/wrk.txt"
end_rss=$(rss_kib)
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
socket_errors=$(awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}' "$work/wrk.txt")
non_2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
errors=$((${socket_errors:-0} + ${non_2xx:-0}))
growth=$(python3 -c "print(round(100.0 * ($end_rss - $start_rss) / $start_rss, 2))")
cat "$work/wrk.txt"
echo "soak: ${DURATION} s, $CONNECTIONS connections, $requests requests, $errors errors;" \
  "authd RSS $start_rss KiB after ${WARMUP} s warm-up -> $end_rss KiB at the end ($growth %)"
echo "{\"seconds\": $DURATION, \"connections\": $CONNECTIONS, \"requests\": $requests, \"errors\": $errors, \"rss_start_kib\": $start_rss, \"rss_end_kib\": $end_rss, \"rss_growth_percent\": $growth}"
python3 -c "import sys; sys.exit(0 if $errors == 0 and $growth < 5 else 1)"
