#!/usr/bin/env bash
# Writes the measurements.json of a UKI that differs from IMAGE_DIR's in four
# bytes of its PE header (the DOS stub), outside every section systemd-stub
# measures: PCR 9 and 11 stay as predicted, only the firmware's PCR 4 event
# (the UKI's Authenticode hash) changes. attest-verify must say FAIL against
# it, naming PCR 4 -- as it must for the genuine measurements against a VM
# that booted such a UKI.
#
#   tamper-uki-header.sh IMAGE_DIR TOOLS_DIR OUTPUT_DIR
set -euo pipefail
image_dir=$1 tools_dir=$2 output=$3
mkdir -p "$output"
cp "$image_dir/uki.efi" "$output/uki.efi"
# Bytes 0x4e-0x51 are inside the DOS stub's "This program cannot be run in
# DOS mode" text, which no loader reads but Authenticode hashes.
lfanew=$(od -An -tu4 -j 60 -N 4 "$output/uki.efi" | tr -d ' ')
((lfanew >= 0x52)) || { echo "the UKI's PE header starts at $lfanew, inside the DOS stub" >&2; exit 1; }
printf 'PWND' | dd of="$output/uki.efi" bs=1 seek=$((0x4e)) count=4 conv=notrunc 2>/dev/null
cmp -s "$image_dir/uki.efi" "$output/uki.efi" && { echo "the UKI did not change" >&2; exit 1; }
"$tools_dir/image-measure" --uki="$output/uki.efi" --output="$output/measurements.json"
