#!/usr/bin/env bash
# The README's main command: build everything and the boot artefact, start the
# simulated cloud (GCP metadata, swtpm, pebble, PayPal look-alike), boot the
# appliance's disk.raw under QEMU + OVMF, wait until it serves with the
# certificate pebble issued, and print what to do next. Ctrl-C powers it down.
#
#   tests/sim/boot.sh [appliance-sim flags, e.g. --https-port=443]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build="$root/build"
"$root/tests/ensure-deps.sh"
cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)"
cmake --build "$build" --target image
work="$build/sim"
mkdir -p "$work"
exec "$build/bin/appliance-sim" --image-dir="$build/image" --source-dir="$root" \
  --work-dir="$work" "$@"
