#!/usr/bin/env bash
# Instructions per request, authd and nginx side by side, counted by
# valgrind's callgrind: repeatable to a fraction of a percent on a busy
# machine, where requests/s are not. Both servers run under callgrind with
# one worker (nginx: master_process off, one worker process; authd: as it
# ships, all its threads counted). Counters are zeroed after a warm-up, then
# COUNT requests are made by a Python client outside valgrind and the
# counters dumped: instructions / COUNT.
#
#   authd/bench/callgrind.sh [BUILD_DIR]    env: COUNT=2000 (keep-alive)
#                                                CONNECTIONS=200 (new connection)
#
# Needs what bench.sh needs, plus valgrind. Traffic stays on 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bin=$build/bin
COUNT=${COUNT:-2000}
CONNECTIONS=${CONNECTIONS:-200}
source "$root/authd/bench/lib.sh"  # installs the tools, valgrind among them
command -v valgrind >/dev/null || { echo "bench: valgrind is missing" >&2; exit 100; }

start_nginx_under_callgrind() {
  mkdir -p "$work/www/.well-known"
  curl -sk "https://localhost:$authd_port/.well-known/openid-configuration" \
    >"$work/www/.well-known/openid-configuration"
  curl -sk "https://localhost:$authd_port/jwks.json" >"$work/www/jwks.json"
  chmod -R a+rX "$work/www"
  cat >"$work/nginx.conf" <<CONF
master_process off;
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
  }
}
CONF
  valgrind --tool=callgrind --callgrind-out-file="$work/nginx.%p.out" \
    "$(command -v nginx)" -c "$work/nginx.conf" -p "$work" 2>>"$work/nginx.err" &
  nginx_pid=$!
  pids+=($nginx_pid)
  wait_for_https "https://localhost:$nginx_port/jwks.json" 120
}

# port path mode count: requests over one keep-alive connection (1000 per
# connection, authd's cap), or one TLS 1.3 connection per request (no resumption).
client() {
  python3 - "$@" <<'PY'
import socket, ssl, sys
port, path, mode, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n".encode()
def read_response(conn, buffer):
    while b"\r\n\r\n" not in buffer:
        buffer += conn.recv(65536)
    head, rest = buffer.split(b"\r\n\r\n", 1)
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    while len(rest) < length:
        rest += conn.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head
    return rest[length:]
done = 0
while done < count:
    conn = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    batch = min(count - done, 1 if mode == "close" else 1000)
    buffer = b""
    for i in range(batch):
        last = mode == "close" or i == batch - 1
        conn.sendall(request + (b"Connection: close\r\n\r\n" if last else b"\r\n"))
        buffer = read_response(conn, buffer)
    conn.close()
    done += batch
PY
}

# pid port path mode count: instructions per request in pid's process.
measure() {
  local pid=$1 port=$2 path=$3 mode=$4 count=$5
  client "$port" "$path" "$mode" 20  # warm-up
  callgrind_control -z "$pid" >/dev/null 2>&1
  client "$port" "$path" "$mode" "$count"
  rm -f "$work"/dump.*
  callgrind_control -d "measured" "$pid" >/dev/null 2>&1
  sleep 1
  local total
  total=$(cat "$work"/*."$pid".out.* 2>/dev/null | awk '/^totals:/ {s += $2} END {print s + 0}')
  rm -f "$work"/*."$pid".out.*
  python3 -c "print(round($total / $count))"
}

start_authd valgrind --tool=callgrind --callgrind-out-file="$work/authd.%p.out"
start_nginx_under_callgrind
echo "Instructions per request (callgrind, whole process: TLS, kernel excluded), same bytes and certificate"
printf '%-36s %-11s %8s %12s %12s %7s\n' path connection requests authd nginx ratio
for path in /.well-known/openid-configuration /jwks.json; do
  for mode in keep-alive close; do
    count=$COUNT
    [[ $mode == close ]] && count=$CONNECTIONS
    a=$(measure "$authd_pid" "$authd_port" "$path" "$mode" "$count")
    n=$(measure "$nginx_pid" "$nginx_port" "$path" "$mode" "$count")
    printf '%-36s %-11s %8s %12s %12s %7s\n' "$path" "$mode" "$count" "$a" "$n" \
      "$(python3 -c "print(f'{$n / $a:.2f}')")"
  done
done
echo "(ratio: nginx's instructions / authd's, so above 1.00 authd does less work per request)"
