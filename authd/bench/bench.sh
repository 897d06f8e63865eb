#!/usr/bin/env bash
# authd's HTTPS throughput next to nginx serving the same bytes with the same
# certificate on the same machine, and its id_token signing rate next to
# `openssl speed ecdsap256`. A benchmark, not a test: it prints numbers and
# asserts nothing about them.
#
#   authd/bench/bench.sh [BUILD_DIR]        (default: build/)
#   env: DURATION=5 (s per wrk run)  THREADS=2  CONNECTIONS=64
#
# Needs: wrk, nginx (nginx-light), openssl, curl, python3; and in BUILD_DIR/bin
# authd, gce-metadata-sim, authd-sign-bench. Traffic stays on 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
DURATION=${DURATION:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}

for tool in wrk nginx openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk nginx-light)" >&2; exit 100; }
done
for program in authd gce-metadata-sim authd-sign-bench; do
  [[ -x $bin/$program ]] || { echo "bench: $bin/$program is missing; build first" >&2; exit 100; }
done

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for_https() {  # url
  for _ in $(seq 1 200); do
    curl -skf -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "bench: $1 did not come up" >&2
  return 1
}

# One P-256 certificate for both servers.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
chmod 644 "$work/key.pem"

authd_port=$(free_port)
nginx_port=$(free_port)
clients=$(python3 -c 'import json; print(json.dumps(json.dumps([{"client_id": "bench",
  "redirect_uris": ["https://rp.example/cb"], "public": True}])))')
cat >"$work/metadata.json" <<JSON
{"instance": {"attributes": {
  "domain": "localhost:$authd_port",
  "paypal_client_id": "bench-client",
  "paypal_client_secret": "bench-secret",
  "paypal_environment": "sandbox",
  "oidc_clients": $clients}}}
JSON
"$bin/gce-metadata-sim" --port=0 --port-file="$work/metadata.port" --config="$work/metadata.json" \
  2>"$work/metadata.log" &
pids+=($!)
for _ in $(seq 1 200); do [[ -s $work/metadata.port ]] && break; sleep 0.05; done
mkdir -p "$work/run"
APPLIANCE_RUN_DIR=$work/run GCE_METADATA_HOST=127.0.0.1:$(cat "$work/metadata.port") \
  "$bin/authd" --config-source=metadata --host=127.0.0.1 --port="$authd_port" \
  --certificate-file="$work/cert.pem" --private-key-file="$work/key.pem" \
  --worker-threads=$((CONNECTIONS + 8)) 2>"$work/authd.log" &
pids+=($!)
wait_for_https "https://localhost:$authd_port/jwks.json"

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

rps() {  # url [header]
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s")
  [[ $# -gt 1 ]] && args+=(-H "$2")
  wrk "${args[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}

echo "HTTPS requests/s, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, same bytes and P-256 certificate"
printf '%-36s %-11s %12s %12s %8s\n' path connection authd nginx ratio
summary=()
for path in /.well-known/openid-configuration /jwks.json; do
  for mode in keep-alive close; do
    header=()
    [[ $mode == close ]] && header=("Connection: close")
    a=$(rps "https://localhost:$authd_port$path" "${header[@]}")
    n=$(rps "https://localhost:$nginx_port$path" "${header[@]}")
    ratio=$(python3 -c "print(f'{float($a)/float($n):.2f}' if float($n) else 'n/a')")
    printf '%-36s %-11s %12s %12s %8s\n' "$path" "$mode" "$a" "$n" "$ratio"
    summary+=("{\"path\":\"$path\",\"connection\":\"$mode\",\"authd\":$a,\"nginx\":$n,\"ratio\":$ratio}")
  done
done

openssl_signs=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/nistp256\)/ {print $7}' | tail -1)
authd_signs=$("$bin/authd-sign-bench" --seconds=3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id_tokens_per_second"])')
sign_ratio=$(python3 -c "print(f'{float($authd_signs)/float($openssl_signs):.2f}')")
echo
echo "ES256 signatures/s on one core: authd id_tokens $authd_signs, openssl speed ecdsap256 $openssl_signs, ratio $sign_ratio"
echo
echo "{\"https\": [$(IFS=,; echo "${summary[*]}")], \"id_tokens_per_second\": $authd_signs, \"openssl_ecdsap256_signs_per_second\": $openssl_signs}"
