#!/usr/bin/env bash
# Writes the size report: the artefacts, and the largest contributors to the
# initramfs (from its listing), so growth is visible in review.
#
#   size-report.sh --dir=OUTPUT_DIR --cpio=FILE > size-report.txt
set -euo pipefail
step_name=size-report
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir="" cpio=""
for arg in "$@"; do
  case "$arg" in
    --dir=*) dir=${arg#*=} ;;
    --cpio=*) cpio=${arg#*=} ;;
    *) die "unknown argument $arg" ;;
  esac
done

size() { stat -c %s "$1"; }
row() { printf '%-34s %12s bytes %8s MiB\n' "$1" "$2" "$(awk -v b="$2" 'BEGIN { printf "%.2f", b / 1048576 }')"; }

echo "artefacts"
row "initramfs, uncompressed cpio" "$(size "$cpio")"
row "initramfs.cpio.zst" "$(size "$dir/initramfs.cpio.zst")"
row "uki.efi" "$(size "$dir/uki.efi")"
row "disk.raw (apparent)" "$(size "$dir/disk.raw")"
row "disk.raw (allocated)" "$(($(stat -c '%b * %B' "$dir/disk.raw")))"
row "image.tar.gz" "$(size "$dir/image.tar.gz")"
echo
echo "initramfs contents by kind"
awk '$1 == "file" {
    kind = "other";
    if ($5 ~ /^\/lib\/modules\//) kind = "kernel modules";
    else if ($5 ~ /^\/(init|bin\/)/) kind = "programs";
    else if ($5 ~ /\.so(\.|$)/) kind = "shared libraries";
    else if ($5 ~ /^\/etc\//) kind = "configuration and CA bundle";
    total[kind] += $3 }
  END { for (k in total) printf "%-34s %12d bytes\n", k, total[k] }' "$dir/initramfs.list" | sort
echo
echo "largest files in the initramfs"
awk '$1 == "file" { printf "%12d  %s\n", $3, $5 }' "$dir/initramfs.list" | sort -rn | head -n 15
