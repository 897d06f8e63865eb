#!/usr/bin/env bash
# Builds disk.raw: a sparse GPT disk of a whole number of GiB (GCP requires
# it) holding one FAT32 EFI System Partition with the UKI as
# /EFI/BOOT/BOOTX64.EFI, the path UEFI firmware boots without NVRAM entries.
# Everything that is random or time-based by default is fixed: the disk and
# partition GUIDs (the firmware measures the GPT into PCR 5), the FAT volume
# serial (mkfs.vfat --invariant: 1234-ABCD) and the file times (mtools copies
# the staged files' mtimes, set to the epoch, in UTC).
#
#   make-disk.sh --uki=FILE --epoch=SECONDS --output=disk.raw [--size-gib=N]
set -euo pipefail
step_name=make-disk
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

uki="" epoch="" output="" size_gib=1
for arg in "$@"; do
  case "$arg" in
    --uki=*) uki=${arg#*=} ;;
    --epoch=*) epoch=${arg#*=} ;;
    --output=*) output=${arg#*=} ;;
    --size-gib=*) size_gib=${arg#*=} ;;
    *) die "unknown argument $arg" ;;
  esac
done
[[ -f "$uki" ]] || die "unable to read '$uki': no such file"
[[ "$epoch" =~ ^[0-9]+$ ]] || die "--epoch must be seconds since the epoch"
[[ "$size_gib" =~ ^[1-9][0-9]*$ ]] || die "--size-gib must be a positive whole number"

# Fixed identifiers (any constant works; these say what they are).
disk_guid=4150504c-4941-4e43-4500-000000000001      # "APPLIANCE" + 1
esp_guid=4150504c-4941-4e43-4500-0000000000e5
first_sector=2048                                    # 1 MiB alignment

work=$(mktemp -d "${output}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

rm -f "$output"
truncate -s "${size_gib}G" "$output"
# Not -q: with -q, sgdisk 1.0.9 silently wrote no partition table here.
sgdisk --clear \
  --disk-guid="$disk_guid" \
  --new=1:"$first_sector":0 --typecode=1:EF00 --change-name=1:"EFI System" \
  --partition-guid=1:"$esp_guid" \
  "$output" >"$work/sgdisk.log" || { cat "$work/sgdisk.log" >&2; die "unable to partition $output"; }
end_sector=$(sgdisk --info=1 "$output" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
[[ -n "$end_sector" ]] || die "unable to read the ESP's extent from $output"
esp_sectors=$((end_sector - first_sector + 1))

mkdir -p "$work/tree/EFI/BOOT"
cp "$uki" "$work/tree/EFI/BOOT/BOOTX64.EFI"
touch -h -d "@$epoch" "$work/tree/EFI/BOOT/BOOTX64.EFI" "$work/tree/EFI/BOOT" "$work/tree/EFI"

# Format and fill the partition in place (no copy of a GiB-sized image).
# The block count (KiB) keeps the file system off the backup GPT at the end;
# mkfs.vfat warns that it is smaller than the file, which is the point.
mkfs.vfat -F 32 -n ESP --invariant --offset="$first_sector" "$output" $((esp_sectors / 2)) \
  >"$work/mkfs.log" 2>&1 || { cat "$work/mkfs.log" >&2; die "unable to format the ESP"; }
MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$output@@$((first_sector * 512))" "$work/tree/EFI" ::/
chmod 0644 "$output"
