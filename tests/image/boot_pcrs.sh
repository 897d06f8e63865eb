#!/usr/bin/env bash
# The predictions against a real measured boot: builds an image whose /init
# is pcr_probe (prints the PCRs and the event log, then powers off), boots it
# under QEMU + OVMF + swtpm, and checks that PCR 9 and PCR 11 equal
# measurements.json, that the firmware logged the UKI's and the kernel's
# Authenticode hashes into PCR 4, and that the event log replays to the PCRs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
probe=${programs[0]#--program=init=}
[[ -x "$probe" ]] || { echo "$test_name: need --program=init=PCR_PROBE" >&2; exit 2; }
out="$work/probe-image"
rm -rf "$out"
SOURCE_DATE_EPOCH=$(pinned_epoch) bash "$source_dir/nix/scripts/build-image.sh" \
  --source="$source_dir" --output="$out" --program=init="$probe" >"$work/probe-build.log" 2>&1 ||
  { cat "$work/probe-build.log" >&2; exit 1; }
start=$SECONDS
timeout 900 bash "$source_dir/nix/scripts/run-qemu.sh" --disk="$out/disk.raw" \
  --serial-log="$out/serial.log" >"$out/qemu.log" 2>&1 || fail "QEMU did not power off cleanly: $(tail -n 3 "$out/qemu.log")"
echo "boot took $((SECONDS - start)) s"
grep -a -q '^PROBE-EVENTLOG-END' "$out/serial.log" || { fail "the probe did not finish"; finish; }

json() { python3 -c "import json,sys; d=json.load(open('$out/measurements.json'))
for k in sys.argv[1].split('/'): d=d[k]
print(d)" "$1"; }
observed() { grep -a "^PROBE-PCR $1 " "$out/serial.log" | awk '{ print tolower($3) }' | tr -d '\r'; }
for pcr in 9 11; do
  [[ "$(observed $pcr)" == "$(json pcrs/sha256/$pcr)" ]] && pass "PCR $pcr observed = predicted ($(observed $pcr))" ||
    fail "PCR $pcr observed $(observed $pcr), predicted $(json pcrs/sha256/$pcr)"
done

grep -a '^PROBE-EVENTLOG ' "$out/serial.log" | cut -d' ' -f2 | tr -d '\r\n' | xxd -r -p >"$out/eventlog.bin"
tpm2_eventlog "$out/eventlog.bin" >"$out/eventlog.yaml" 2>&1 || fail "tpm2_eventlog cannot parse the log"
for key in uki/authenticode_sha256 kernel/authenticode_sha256; do
  digest=$(json "$key")
  grep -q "Digest: \"$digest\"" "$out/eventlog.yaml" && pass "PCR 4 event log has $key $digest" ||
    fail "the event log has no $key $digest"
done
replayed=$(awk '/^pcrs:/ { p = 1 } p && /sha256:/ { s = 1; next } s && /sha384:|sha512:/ { exit } s' "$out/eventlog.yaml")
for pcr in 4 5 9 11; do
  value=$(awk -v n="$pcr" '$1 == n { sub(/^0x/, "", $3); print $3 }' <<<"$replayed")
  [[ "$value" == "$(observed $pcr)" ]] && pass "event log replays to PCR $pcr" ||
    fail "event log replays PCR $pcr to $value, TPM has $(observed $pcr)"
done
finish
