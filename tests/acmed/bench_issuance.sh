#!/usr/bin/env bash
# Times full certificate issuances by acmed against a real pebble (real
# HTTP-01 validation, PEBBLE_VA_NOSLEEP=1 so pebble adds no random delay) and
# prints each run and the median. A run is: start acmed -> "certificate issued"
# in its log (configuration, account, order, challenge, finalize, download).
# Each run gets a fresh pebble, so no authorization is reused.
#
#   tests/acmed/bench_issuance.sh [BUILD_DIR] [RUNS]     (defaults: build, 5)
#
# Needs the built `acmed` and `gce-metadata-sim` in BUILD_DIR/bin, and Debian's
# pebble, openssl and ss. Not a test: it asserts nothing about speed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
bin="$build/bin"
for program in "$bin/acmed" "$bin/gce-metadata-sim"; do
  [[ -x $program ]] || { echo "bench_issuance: missing $program (build first)" >&2; exit 100; }
done
command -v pebble >/dev/null || { echo "bench_issuance: pebble is not installed" >&2; exit 100; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback TCP port nobody listens on right now and not handed out before
# (the programs bind theirs only later). Sets $port (no subshell, so the
# record of handed-out ports survives).
declare -A taken=()
free_port() {
  while :; do
    port=$(shuf -i 20000-60000 -n 1)
    [[ -z ${taken[$port]:-} ]] || continue
    ss -Htln "sport = :$port" | grep -q . && continue
    taken[$port]=1
    return
  done
}

# Waits (up to $2 seconds) until file $1 contains $3.
wait_for_text() {
  local deadline=$((SECONDS + $2))
  until grep -q -- "$3" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

wait_for_port() {
  local deadline=$((SECONDS + 10))
  until ss -Htln "sport = :$1" | grep -q .; do
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
  -out "$work/cert.pem" -days 2 -subj "/CN=pebble listener" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
# The PEM as a JSON string (newlines escaped) for the metadata configuration.
ca_json=$(awk '{printf "%s\\n", $0}' "$work/cert.pem")

times=()
for ((run = 1; run <= runs; run++)); do
  free_port; acme=$port
  free_port; mgmt=$port
  free_port; dns=$port
  free_port; cts=$port
  free_port; http=$port
  free_port; md=$port
  free_port; tls=$port
  cat >"$work/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$mgmt",
  "certificate": "$work/cert.pem", "privateKey": "$work/key.pem", "httpPort": $http,
  "tlsPort": $tls, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
  cat >"$work/metadata.json" <<JSON
{"instance": {"attributes": {"domain": "bench.example.com",
  "acme_directory": "https://127.0.0.1:$acme/dir", "acme_ca_pem": "$ca_json"}}}
JSON
  pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$dns" -http01 "" \
    -https01 "" -tlsalpn01 "" -management "127.0.0.1:$cts" >"$work/cts-$run.log" 2>&1 &
  pids+=($!)
  PEBBLE_VA_NOSLEEP=1 pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$dns" \
    >"$work/pebble-$run.log" 2>&1 &
  pids+=($!)
  "$bin/gce-metadata-sim" --port="$md" --config="$work/metadata.json" >"$work/md-$run.log" 2>&1 &
  pids+=($!)
  wait_for_port "$acme" && wait_for_port "$md" && wait_for_port "$dns" ||
    { echo "bench_issuance: peers did not start" >&2; exit 111; }

  start=$(date +%s%N)
  GCE_METADATA_HOST="127.0.0.1:$md" APPLIANCE_RUN_DIR="$work/run-$run" \
    "$bin/acmed" --config-source=metadata --http-host=127.0.0.1 --http-port="$http" \
    --poll-initial-ms=50 >"$work/acmed-$run.log" 2>&1 &
  acmed_pid=$!
  pids+=($acmed_pid)
  if ! wait_for_text "$work/acmed-$run.log" 120 '"certificate issued"'; then
    echo "bench_issuance: run $run did not issue; acmed log:" >&2
    cat "$work/acmed-$run.log" >&2
    exit 111
  fi
  end=$(date +%s%N)
  ms=$(((end - start) / 1000000))
  times+=("$ms")
  echo "run $run: ${ms} ms"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  pids=()
done

median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {
  if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')
echo "median of $runs issuances: ${median} ms"
