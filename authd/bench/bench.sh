#!/usr/bin/env bash
# authd's HTTPS throughput next to nginx serving the same bytes with the same
# certificate on the same machine, and its id_token signing rate next to
# `openssl speed ecdsap256`. A benchmark, not a test: it prints numbers and
# asserts nothing about them.
#
#   authd/bench/bench.sh [BUILD_DIR]        (default: build/)
#   env: DURATION=5 (s per wrk run)  THREADS=2  CONNECTION_COUNTS="64 256"
#        IDLE_CONNECTIONS=1000 (for the memory of an idle TLS connection)
#
# authd runs with its production defaults (no tuning flags), as it ships.
#
# Needs: wrk, nginx (nginx-light), openssl, curl, python3; and in BUILD_DIR/bin
# authd, gce-metadata-sim, authd-sign-bench. Traffic stays on 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
CONNECTION_COUNTS=${CONNECTION_COUNTS:-64 256}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-1000}

source "$root/authd/bench/lib.sh"
start_authd

# nginx serves the very bytes authd serves.
mkdir -p "$work/www/.well-known"
curl -sk "https://localhost:$authd_port/.well-known/openid-configuration" \
  >"$work/www/.well-known/openid-configuration"
curl -sk "https://localhost:$authd_port/jwks.json" >"$work/www/jwks.json"
chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>>"$work/nginx.err" &
pids+=($!)
wait_for_https "https://localhost:$nginx_port/jwks.json"
for path in /.well-known/openid-configuration /jwks.json; do
  cmp -s <(curl -sk "https://localhost:$authd_port$path") <(curl -sk "https://localhost:$nginx_port$path") ||
    { echo "bench: nginx and authd serve different bytes at $path" >&2; exit 1; }
done

rps() {  # connections url [header]
  local connections=$1
  shift
  local args=(-t"$THREADS" -c"$connections" -d"${DURATION}s")
  [[ $# -gt 1 ]] && args+=(-H "$2")
  wrk "${args[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}

echo "HTTPS requests/s, wrk -t$THREADS -d${DURATION}s, same bytes and P-256 certificate"
printf '%-36s %-11s %6s %12s %12s %8s\n' path connection conns authd nginx ratio
summary=()
for connections in $CONNECTION_COUNTS; do
  for path in /.well-known/openid-configuration /jwks.json; do
    for mode in keep-alive close; do
      header=()
      [[ $mode == close ]] && header=("Connection: close")
      a=$(rps "$connections" "https://localhost:$authd_port$path" "${header[@]}")
      n=$(rps "$connections" "https://localhost:$nginx_port$path" "${header[@]}")
      ratio=$(python3 -c "print(f'{float($a)/float($n):.2f}' if float($n) else 'n/a')")
      printf '%-36s %-11s %6s %12s %12s %8s\n' "$path" "$mode" "$connections" "$a" "$n" "$ratio"
      summary+=("{\"path\":\"$path\",\"connection\":\"$mode\",\"connections\":$connections,\"authd\":$a,\"nginx\":$n,\"ratio\":$ratio}")
    done
  done
done

# The memory of an idle TLS connection: authd's RSS before and while
# IDLE_CONNECTIONS clients hold a finished handshake open (from several
# loopback addresses, under the per-address cap).
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$authd_pid/status"; }
before=$(rss_kib)
python3 - "$authd_port" "$IDLE_CONNECTIONS" "$work/idle.ready" <<'PY' &
import socket, ssl, sys, time
port, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
held = []
for i in range(count):
    raw = socket.socket()
    raw.bind(("127.0.0.%d" % (10 + i % 50), 0))
    raw.connect(("127.0.0.1", port))
    held.append(context.wrap_socket(raw, server_hostname="localhost"))
open(ready, "w").write(str(len(held)))
time.sleep(8)
PY
idle_pid=$!
for _ in $(seq 1 600); do [[ -s $work/idle.ready ]] && break; sleep 0.1; done
during=$(rss_kib)
wait "$idle_pid" 2>/dev/null || true
per_connection=$(python3 -c "print(round(($during - $before) / $IDLE_CONNECTIONS, 1))")
echo
echo "Idle TLS connections: $IDLE_CONNECTIONS held, authd RSS $before -> $during KiB, $per_connection KiB each"

openssl_signs=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/nistp256\)/ {print $7}' | tail -1)
authd_signs=$("$bin/authd-sign-bench" --seconds=3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id_tokens_per_second"])')
sign_ratio=$(python3 -c "print(f'{float($authd_signs)/float($openssl_signs):.2f}')")
echo
echo "ES256 signatures/s on one core: authd id_tokens $authd_signs, openssl speed ecdsap256 $openssl_signs, ratio $sign_ratio"
echo
echo "{\"https\": [$(IFS=,; echo "${summary[*]}")], \"idle_tls_connection_kib\": $per_connection, \"id_tokens_per_second\": $authd_signs, \"openssl_ecdsap256_signs_per_second\": $openssl_signs}"
