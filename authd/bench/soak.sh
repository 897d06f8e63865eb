#!/usr/bin/env bash
# authd under a steady load for a long time, as it ships (production
# defaults): 256 keep-alive connections spread over the public GET endpoints
# for WARMUP + DURATION seconds (default 60 + 600). Reports requests, errors
# (socket errors and non-2xx answers, warm-up included) and authd's RSS every
# 10 s, the growth from the end of the warm-up to the end. It
# asserts what the issue promises (0 errors, RSS growth under 5 %) and exits
# 1 if either fails. Traffic stays on 127.0.0.1.
#
#   authd/bench/soak.sh [BUILD_DIR]   env: DURATION=600 CONNECTIONS=256 WARMUP=60
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
DURATION=${DURATION:-600}
CONNECTIONS=${CONNECTIONS:-256}
WARMUP=${WARMUP:-60}
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
# One run of WARMUP + DURATION seconds; authd's RSS is sampled every 10 s
# under that load. The growth is from the sample at WARMUP to the last one:
# both under the same load (a sample taken between two wrk runs measures an
# idle heap, which authd trims, against a loaded one).
wrk -t2 -c"$CONNECTIONS" -d"$((WARMUP + DURATION))s" --latency -s "$work/paths.lua" "$url" \
  >"$work/wrk.txt" &
wrk_pid=$!
samples=()
for ((t = 10; t < WARMUP + DURATION; t += 10)); do
  sleep 10
  samples+=("$t:$(rss_kib)")
done
wait "$wrk_pid"
start_rss=$(for s in "${samples[@]}"; do [[ ${s%%:*} -ge $WARMUP ]] && { echo "${s#*:}"; break; }; done)
end_rss=${samples[-1]#*:}
max_rss=$(printf '%s\n' "${samples[@]#*:}" | sort -n | tail -1)
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
# "  Socket errors: connect 35, read 0, write 0, timeout 0": the sum of the numbers.
socket_errors=$(awk '/Socket errors/ {for (i = 1; i <= NF; ++i) if ($i ~ /^[0-9]+,?$/) s += $i}
  END {print s + 0}' "$work/wrk.txt")
non_2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
errors=$((${socket_errors:-0} + ${non_2xx:-0}))
growth=$(python3 -c "print(round(100.0 * ($end_rss - $start_rss) / $start_rss, 2))")
cat "$work/wrk.txt"
echo "authd RSS every 10 s (s:KiB): ${samples[*]}"
echo "soak: ${DURATION} s after ${WARMUP} s warm-up, $CONNECTIONS connections, $requests requests," \
  "$errors errors; authd RSS $start_rss KiB at ${WARMUP} s -> $end_rss KiB at the end ($growth %)," \
  "at most $max_rss KiB"
echo "{\"seconds\": $DURATION, \"warmup_seconds\": $WARMUP, \"connections\": $CONNECTIONS, \"requests\": $requests, \"errors\": $errors, \"rss_start_kib\": $start_rss, \"rss_end_kib\": $end_rss, \"rss_max_kib\": $max_rss, \"rss_growth_percent\": $growth}"
python3 -c "import sys; sys.exit(0 if $errors == 0 and $growth < 5 else 1)"
