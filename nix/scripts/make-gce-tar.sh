#!/usr/bin/env bash
# Wraps disk.raw in the archive `gcloud compute images create --source-uri`
# imports: a gzipped GNU tar (oldgnu format, sparse) holding one file that
# must be named disk.raw. Sorted, fixed mtime and owner, gzip without name
# or time stamp.
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

tar --format=oldgnu -S --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
  --mode=0644 -C "$(dirname "$disk")" -cf - disk.raw | gzip -n -9 >"$output"
