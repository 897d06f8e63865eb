#!/usr/bin/env bash
# Fixture: builds the image once into WORK/built for the contents and
# measurements tests, with the programs this build has.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rm -rf "$work/built"
SOURCE_DATE_EPOCH=$(pinned_epoch) bash "$source_dir/nix/scripts/build-image.sh" \
  --source="$source_dir" --output="$work/built" "${programs[@]}"
for artefact in initramfs.cpio.zst initramfs.list uki.efi disk.raw image.tar.gz \
  measurements.json size-report.txt; do
  [[ -s "$work/built/$artefact" ]] || fail "$artefact was not written"
done
finish
