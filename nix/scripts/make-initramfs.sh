#!/usr/bin/env bash
# Packs the rootfs manifest into a cpio newc archive (cpio-pack: sorted, one
# mtime, owners 0:0, the manifest's modes) and compresses it
# deterministically: zstd, single-threaded, fixed level.
#
#   make-initramfs.sh --manifest=FILE --staging=DIR --epoch=SECONDS
#                     --output=FILE.cpio.zst --listing=FILE
set -euo pipefail
step_name=make-initramfs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

manifest="" staging="" epoch="" output="" listing=""
for arg in "$@"; do
  case "$arg" in
    --manifest=*) manifest=${arg#*=} ;;
    --staging=*) staging=${arg#*=} ;;
    --epoch=*) epoch=${arg#*=} ;;
    --output=*) output=${arg#*=} ;;
    --listing=*) listing=${arg#*=} ;;
    *) die "unknown argument $arg" ;;
  esac
done
tools=${IMAGE_TOOLS_DIR:?IMAGE_TOOLS_DIR must name the directory holding cpio-pack}
# Level 15: level 19 saves about 1 MiB (of 8) but takes three times as long.
# The level and the thread mode are part of the recipe: the same zstd version
# with the same flags gives the same bytes.
zstd_level=15

"$tools/cpio-pack" --manifest="$manifest" --root="$staging" --mtime="$epoch" \
  --output="${output%.zst}" --listing="$listing"
zstd -q -f -T1 -"$zstd_level" --no-progress "${output%.zst}" -o "$output"
