#!/usr/bin/env bash
# Writes the measurements.json of an image that differs from IMAGE_DIR's in
# one byte of the initramfs: the same kernel, stub, command line and
# os-release, through the same image scripts and tools. attest-verify must
# say FAIL against it.
#
#   tamper-measurements.sh IMAGE_DIR SOURCE_DIR TOOLS_DIR OUTPUT_DIR
set -euo pipefail
image_dir=$1 source_dir=$2 tools_dir=$3 output=$4
mkdir -p "$output"
export IMAGE_TOOLS_DIR="$tools_dir"
cp "$image_dir/initramfs.cpio.zst" "$output/initramfs.cpio.zst"
# Change one byte of the archive itself (not of the compressed stream, whose
# checksum would make the kernel reject it before anything is measured).
zstd -q -d -c "$image_dir/initramfs.cpio.zst" >"$output/initramfs.cpio"
size=$(stat -c %s "$output/initramfs.cpio")
offset=$((size / 2))
byte=$(dd if="$output/initramfs.cpio" bs=1 skip="$offset" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
  dd of="$output/initramfs.cpio" bs=1 seek="$offset" count=1 conv=notrunc 2>/dev/null
zstd -q -19 -f "$output/initramfs.cpio" -o "$output/initramfs.cpio.zst"
kernel=${IMAGE_KERNEL:-$(ls /boot/vmlinuz-*-cloud-amd64 | sort -V | tail -n 1)}
tr -d '\n' <"$source_dir/nix/image/cmdline" >"$output/cmdline"
"$source_dir/nix/scripts/make-uki.sh" --stub="${IMAGE_EFI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}" \
  --kernel="$kernel" --initrd="$output/initramfs.cpio.zst" \
  --osrel="$source_dir/nix/image/os-release" --cmdline="$output/cmdline" \
  --epoch="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("info", {}).get("source_date_epoch", 0))' "$image_dir/measurements.json")" \
  --output="$output/uki.efi"
"$tools_dir/image-measure" --uki="$output/uki.efi" --output="$output/measurements.json"
