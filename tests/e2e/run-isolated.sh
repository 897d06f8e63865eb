#!/usr/bin/env bash
# Runs a command in its own network and mount namespaces: only a loopback
# interface, and an /etc/hosts that maps the test domain to it. The end-to-end
# test can then use the appliance's real ports (80, 443, 8443) and its real
# name, exactly as a relying party and an operator would, and nothing it
# starts can reach or disturb the machine's own network.
#
#   run-isolated.sh DOMAIN COMMAND [ARGS...]
set -euo pipefail
if [[ "${APPLIANCE_ISOLATED:-}" != 1 ]]; then
  [[ $(id -u) -eq 0 ]] || { echo "run-isolated: needs root for namespaces" >&2; exit 77; }
  exec env APPLIANCE_ISOLATED=1 unshare --net --mount --propagation private -- "$0" "$@"
fi
domain=$1
shift
ip link set lo up
hosts=$(mktemp)
trap 'rm -f "$hosts"' EXIT
{ cat /etc/hosts; printf '127.0.0.1 %s\n' "$domain"; } >"$hosts"
mount --bind "$hosts" /etc/hosts
"$@"
