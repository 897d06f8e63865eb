# What authd's benchmark and soak share: tools, a work directory cleaned up
# on exit, one P-256 certificate, the metadata look-alike and authd itself,
# run as it ships (production defaults, no tuning flags). Sourced with
# $bin set; defines $work, $authd_port, $nginx_port, $authd_pid.
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

start_authd() {  # authd with its production defaults, behind a metadata look-alike
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
  2>"$work/authd.log" &
authd_pid=$!
pids+=($authd_pid)
wait_for_https "https://localhost:$authd_port/jwks.json"
}
