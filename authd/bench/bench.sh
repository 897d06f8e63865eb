#!/usr/bin/env bash
# The three public ports next to nginx serving the same bytes with the same
# certificate on the same machine: authd (443: discovery and JWKS), attestd
# (8443: /v1/status) and acmed's HTTP-01 responder (80: its 404 for an
# unknown token, since a real token exists only during an order); then
# authd's id_token signing rate next to `openssl speed ecdsap256`. A
# benchmark, not a test: it prints numbers and asserts nothing about them.
#
#   authd/bench/bench.sh [BUILD_DIR]        (default: build/)
#   env: DURATION=5 (s per wrk run)  THREADS=2  CONNECTION_COUNTS="64 256"
#        REPEAT=3 (runs per configuration, alternating the two servers;
#        medians and the spread are reported)  IDLE_CONNECTIONS=1000
#        TARGETS="authd attestd acmed"
#
# Every program runs with its production defaults (no tuning flags), as it
# ships; nginx with its defaults but for the paths and certificates.
#
# Needs: wrk, nginx (nginx-light), openssl, curl, python3, swtpm; and in
# BUILD_DIR/bin authd, acmed, attestd, gce-metadata-sim, authd-sign-bench.
# Traffic stays on 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
CONNECTION_COUNTS=${CONNECTION_COUNTS:-64 256}
REPEAT=${REPEAT:-3}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-1000}
TARGETS=${TARGETS:-authd attestd acmed}

source "$root/authd/bench/lib.sh"
start_authd
start_acmed_attestd
nginx_attestd_port=$(free_port)
nginx_http_port=$(free_port)

# nginx serves the very bytes each program serves, with its certificate.
mkdir -p "$work/www/.well-known" "$work/www/v1"
curl -sk "https://localhost:$authd_port/.well-known/openid-configuration" \
  >"$work/www/.well-known/openid-configuration"
curl -sk "https://localhost:$authd_port/jwks.json" >"$work/www/jwks.json"
curl -sk "https://localhost:$attestd_port/v1/status" >"$work/www/v1/status"
chmod -R a+rX "$work/www"
# ... and the same response headers (authd's security headers, Cache-Control).
same_headers() {  # url path: an nginx location adding the headers the url answers with
  echo "location = $2 {"
  curl -skI "$1$2" | tr -d '\r' | awk -F': ' 'NR > 1 && NF > 1 &&
    tolower($1) !~ /^(content-type|content-length|connection|date|server)$/ {
      printf "      add_header %s \"%s\" always;\n", $1, $2 }'
  echo "    }"
}
authd_locations=$(for path in /.well-known/openid-configuration /jwks.json; do
  same_headers "https://localhost:$authd_port" "$path"; done)
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000;
  ssl_protocols TLSv1.2 TLSv1.3;
  root $work/www;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    $authd_locations
  }
  server {
    listen 127.0.0.1:$nginx_attestd_port ssl;
    ssl_certificate $work/attestd-cert.pem;
    ssl_certificate_key $work/attestd-key.pem;
  }
  server {
    listen 127.0.0.1:$nginx_http_port;
    # acmed's responder's connection policy (acmed/http01_responder.cpp).
    keepalive_requests 10;
    keepalive_timeout 2s;
    location /.well-known/acme-challenge/ {
      default_type text/plain;
      return 404 "no such challenge\n";
    }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>>"$work/nginx.err" &
pids+=($!)
wait_for_https "https://localhost:$nginx_port/jwks.json"
challenge=/.well-known/acme-challenge/no-such-token
# name  ours  nginx's (same path on both)
targets=()
for target in $TARGETS; do
  case $target in
    authd) targets+=("authd https://localhost:$authd_port https://localhost:$nginx_port /.well-known/openid-configuration"
                     "authd https://localhost:$authd_port https://localhost:$nginx_port /jwks.json") ;;
    attestd) targets+=("attestd https://localhost:$attestd_port https://localhost:$nginx_attestd_port /v1/status") ;;
    acmed) targets+=("acmed http://127.0.0.1:$acmed_http_port http://127.0.0.1:$nginx_http_port $challenge") ;;
  esac
done
for target in "${targets[@]}"; do
  read -r _ ours theirs path <<<"$target"
  a=$(curl -sk "$ours$path") n=$(curl -sk "$theirs$path")
  # attestd's status is live (it may change between two reads); the size must match.
  if [[ $path == /v1/status ]]; then [[ ${#a} == "${#n}" ]]; else [[ $a == "$n" ]]; fi ||
    { echo "bench: nginx and $ours serve different bytes at $path" >&2; exit 1; }
done

# What each TLS server negotiates with an OpenSSL client by default (wrk's):
# protocol, cipher, key exchange group, and whether a session is resumed.
tls_parameters() {  # host:port
  local out
  out=$(openssl s_client -connect "$1" -servername localhost -reconnect </dev/null 2>/dev/null || true)
  local protocol cipher group reused
  protocol=$(awk '/^New, / {print $2; exit}' <<<"$out" | tr -d ,)
  cipher=$(awk '/^New, / {print $NF; exit}' <<<"$out")
  group=$(awk -F': ' '/Server Temp Key/ {print $2; exit}' <<<"$out")
  reused=$(grep -c '^Reused' <<<"$out" || true)
  echo "$protocol $cipher, key exchange $group, resumed $reused of 5 reconnections"
}
# The memory of an idle TLS connection: authd's RSS before and while
# IDLE_CONNECTIONS clients hold a finished handshake open (from several
# loopback addresses, under the per-address cap). Measured before any load,
# whose freed heap would hide it.
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
echo "Idle TLS connections: $IDLE_CONNECTIONS held, authd RSS $before -> $during KiB, $per_connection KiB each"

echo
echo "Load before: $(uptime)"
echo "TLS as negotiated by openssl s_client (OpenSSL defaults, as wrk):"
echo "  authd   $(tls_parameters "127.0.0.1:$authd_port")"
echo "  nginx   $(tls_parameters "127.0.0.1:$nginx_port")"
echo "  attestd $(tls_parameters "127.0.0.1:$attestd_port")"
echo "  nginx   $(tls_parameters "127.0.0.1:$nginx_attestd_port")"
echo

rps() {  # connections url [header]
  local connections=$1
  shift
  local args=(-t"$THREADS" -c"$connections" -d"${DURATION}s")
  [[ $# -gt 1 ]] && args+=(-H "$2")
  wrk "${args[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}
# "a1 a2 ... / n1 n2 ...": medians, min-max, and the ratio of the medians with
# the spread of the paired ratios.
stats() {
  python3 - "$@" <<'PY'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]
n = [float(x) for x in sys.argv[2].split()]
r = [x / y for x, y in zip(a, n) if y]
ma, mn = statistics.median(a), statistics.median(n)
print(f"{ma:.0f} {min(a):.0f}-{max(a):.0f} {mn:.0f} {min(n):.0f}-{max(n):.0f} "
      f"{ma / mn if mn else 0:.2f} {min(r):.2f}-{max(r):.2f}")
PY
}

echo "Requests/s, wrk -t$THREADS -d${DURATION}s, $REPEAT runs each (median, min-max), same bytes and certificate"
printf '%-8s %-36s %-10s %5s %16s %16s %6s %10s\n' program path connection conns \
  "ours (spread)" "nginx (spread)" ratio "(spread)"
summary=()
for connections in $CONNECTION_COUNTS; do
  for target in "${targets[@]}"; do
    read -r name ours theirs path <<<"$target"
    for mode in keep-alive close; do
      header=()
      [[ $mode == close ]] && header=("Connection: close")
      as="" ns=""
      for _ in $(seq 1 "$REPEAT"); do
        as+=" $(rps "$connections" "$ours$path" "${header[@]}")"
        ns+=" $(rps "$connections" "$theirs$path" "${header[@]}")"
      done
      read -r a a_spread n n_spread ratio ratio_spread <<<"$(stats "$as" "$ns")"
      printf '%-8s %-36s %-10s %5s %7s %8s %7s %8s %6s %10s\n' "$name" "$path" "$mode" \
        "$connections" "$a" "$a_spread" "$n" "$n_spread" "$ratio" "$ratio_spread"
      summary+=("{\"program\":\"$name\",\"path\":\"$path\",\"connection\":\"$mode\",\"connections\":$connections,\"ours\":[${as# }],\"nginx\":[${ns# }],\"ratio_of_medians\":$ratio}")
    done
  done
done
summary=("${summary[@]//\ /,}")
echo "Load after: $(uptime)"

openssl_signs=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/nistp256\)/ {print $7}' | tail -1)
authd_signs=$("$bin/authd-sign-bench" --seconds=3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id_tokens_per_second"])')
sign_ratio=$(python3 -c "print(f'{float($authd_signs)/float($openssl_signs):.2f}')")
echo
echo "ES256 signatures/s on one core: authd id_tokens $authd_signs, openssl speed ecdsap256 $openssl_signs, ratio $sign_ratio"
echo
echo "{\"runs\": [$(IFS=,; echo "${summary[*]}")], \"idle_tls_connection_kib\": $per_connection, \"id_tokens_per_second\": $authd_signs, \"openssl_ecdsap256_signs_per_second\": $openssl_signs}"
