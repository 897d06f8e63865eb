#!/usr/bin/env bash
# Wraps disk.raw in the archive `gcloud compute images create --source-uri`
# imports: a gzipped GNU tar (oldgnu format, sparse by content, not by the
# filesystem) holding one file that must be named disk.raw. Sorted, fixed
# mtime and owner, gzip without name or time stamp.
#
#   make-gce-tar.sh --disk=disk.raw --epoch=SECONDS --output=image.tar.gz
set -euo pipefail
step_name=make-gce-tar
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

disk="" epoch="" output=""
for arg in "$@"; do
  case "$arg" in
    --disk=*) disk=${arg#*=} ;;
    --epoch=*) epoch=${arg#*=} ;;
    --output=*) output=${arg#*=} ;;
    *) die "unknown argument $arg" ;;
  esac
done
[[ "$(basename "$disk")" == disk.raw ]] || die "GCP wants the file inside to be named disk.raw, got $disk"
[[ -f "$disk" ]] || die "unable to read '$disk': no such file"
[[ "$epoch" =~ ^[0-9]+$ ]] || die "--epoch must be seconds since the epoch"

# Holes are runs of zero blocks in the bytes (--hole-detection=raw), not what
# the filesystem reports with SEEK_HOLE. GNU tar only looks for holes in a file
# whose allocated blocks are fewer than its size, so a fully allocated copy
# of disk.raw would be archived whole: archive a copy made sparse by content
# (cp --sparse=always) instead, and fail if this filesystem cannot hold it.
# Then a sparse and a fully allocated disk.raw give the same bytes.
stage=$(mktemp -d "$(dirname "$output")/.make-gce-tar.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp --sparse=always "$disk" "$stage/disk.raw"
read -r blocks block_size size < <(stat -c '%b %B %s' "$stage/disk.raw")
((blocks * block_size < size)) ||
  die "the copy of disk.raw in $stage is not sparse (this filesystem stores no holes, or the disk has no zero blocks); the archive would depend on it"
tar --format=oldgnu -S --hole-detection=raw --sort=name --mtime="@$epoch" --owner=0 --group=0 \
  --numeric-owner --mode=0644 -C "$stage" -cf - disk.raw | gzip -n -9 >"$output"
