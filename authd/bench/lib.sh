# What authd's benchmark and soak share: tools, a work directory cleaned up
# on exit, one P-256 certificate, the metadata look-alike and authd itself,
# run as it ships (production defaults, no tuning flags). Sourced with
# $bin set; defines $work, $authd_port, $nginx_port, $authd_pid.
# nix/deps-debian.txt lists the benchmarks' tools too (wrk, nginx, valgrind).
"$root/tests/ensure-deps.sh"
for tool in wrk nginx openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 100; }
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
wait_for_https() {  # url [seconds, default 10]
  for _ in $(seq 1 $((${2:-10} * 20))); do
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

# authd with its production defaults, behind a metadata look-alike; with
# arguments, they run it (callgrind.sh: valgrind --tool=callgrind ...), and
# it may take a minute to come up.
start_authd() {  # [launcher...]
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
  "$@" "$bin/authd" --config-source=metadata --host=127.0.0.1 --port="$authd_port" \
  --certificate-file="$work/cert.pem" --private-key-file="$work/key.pem" \
  2>"$work/authd.log" &
authd_pid=$!
pids+=($authd_pid)
wait_for_https "https://localhost:$authd_port/jwks.json" $(($# > 0 ? 120 : 10))
}

# acmed (its HTTP-01 responder on a plain port; no CA is reachable, so it
# serves its bootstrap self-signed certificate) and attestd on a swtpm,
# following acmed's certificate as in the image. Defines $acmed_http_port,
# $attestd_port, $acmed_pid, $attestd_pid; writes the certificate both serve
# to $work/attestd-cert.pem and $work/attestd-key.pem (for nginx).
start_acmed_attestd() {
command -v swtpm >/dev/null || { echo "bench: swtpm is missing" >&2; exit 100; }
for program in acmed attestd; do
  [[ -x $bin/$program ]] || { echo "bench: $bin/$program is missing; build first" >&2; exit 100; }
done
acmed_http_port=$(free_port)
attestd_port=$(free_port)
local tpm_port
tpm_port=$(python3 -c 'import socket
for p in range(24000, 60000, 7):
  a, b = socket.socket(), socket.socket()
  try:
    a.bind(("127.0.0.1", p)); b.bind(("127.0.0.1", p + 1)); print(p); break
  except OSError: pass
  finally: a.close(); b.close()')
mkdir -p "$work/tpm" "$work/attestd-state" "$work/run"
swtpm socket --tpm2 --server "type=tcp,port=$tpm_port,bindaddr=127.0.0.1" \
  --ctrl "type=tcp,port=$((tpm_port + 1)),bindaddr=127.0.0.1" --tpmstate "dir=$work/tpm" \
  --flags not-need-init,startup-clear >"$work/swtpm.log" 2>&1 &
pids+=($!)
cat >"$work/metadata-acmed.json" <<JSON
{"instance": {"attributes": {"domain": "localhost", "acme_directory": "https://127.0.0.1:9/dir"}}}
JSON
"$bin/gce-metadata-sim" --port=0 --port-file="$work/metadata-acmed.port" \
  --config="$work/metadata-acmed.json" 2>"$work/metadata-acmed.log" &
pids+=($!)
for _ in $(seq 1 200); do [[ -s $work/metadata-acmed.port ]] && break; sleep 0.05; done
local metadata_host=127.0.0.1:$(cat "$work/metadata-acmed.port")
APPLIANCE_RUN_DIR=$work/run GCE_METADATA_HOST=$metadata_host "$bin/acmed" \
  --config-source=metadata --http-host=127.0.0.1 --http-port="$acmed_http_port" \
  2>"$work/acmed.log" &
acmed_pid=$!
pids+=($acmed_pid)
python3 - "$work/run/acmed/ipc.sock" "$work" <<'PY'
import json, socket, struct, sys, time
path, work = sys.argv[1], sys.argv[2]
for _ in range(200):
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        payload = json.dumps({"id": 1, "method": "certificate.get", "params": {}}).encode()
        s.sendall(struct.pack(">I", len(payload)) + payload)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            chunk = s.recv(65536)
            if not chunk: raise OSError("closed")
            data += chunk
        reply = json.loads(data[4:])
        if "result" in reply:
            open(work + "/attestd-cert.pem", "w").write(reply["result"]["chain_pem"])
            open(work + "/attestd-key.pem", "w").write(reply["result"]["key_pem"])
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("bench: acmed's certificate did not come")
PY
chmod 644 "$work/attestd-key.pem"
APPLIANCE_RUN_DIR=$work/run GCE_METADATA_HOST=$metadata_host "$bin/attestd" \
  --tcti="swtpm:host=127.0.0.1,port=$tpm_port" --host=127.0.0.1 --port="$attestd_port" \
  --state-dir="$work/attestd-state" 2>"$work/attestd.log" &
attestd_pid=$!
pids+=($attestd_pid)
wait_for_https "https://localhost:$attestd_port/v1/status"
for _ in $(seq 1 200); do
  curl -s -o /dev/null "http://127.0.0.1:$acmed_http_port/.well-known/acme-challenge/x" && break
  sleep 0.05
done
}
