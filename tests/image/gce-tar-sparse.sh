#!/usr/bin/env bash
# image.tar.gz must not depend on how the filesystem reports holes: the
# same disk.raw, once as a sparse file and once fully allocated, must give
# byte-identical archives from make-gce-tar.sh, and the archive must unpack
# to the same bytes. (tar -S alone finds holes with SEEK_HOLE, so a copy on a
# filesystem without hole support archived differently.)
#
#   gce-tar-sparse.sh --source=REPO --work=DIR
image_test_needs_tools=0
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$work/$test_name"
rm -rf "$dir"
mkdir -p "$dir/sparse" "$dir/full" "$dir/unpacked"

# A 64 MiB disk with data at a few places, zeros written as data in one
# place, and holes elsewhere.
disk="$dir/sparse/disk.raw"
truncate -s 64M "$disk"
head -c 1048576 /dev/zero | tr '\0' 'A' | dd of="$disk" bs=1M seek=1 conv=notrunc status=none
head -c 1048576 /dev/zero | dd of="$disk" bs=1M seek=8 conv=notrunc status=none
printf 'GPT and FAT bits' | dd of="$disk" bs=512 seek=81920 conv=notrunc status=none
printf 'end' | dd of="$disk" bs=1 seek=$((64 * 1048576 - 3)) conv=notrunc status=none
cp --sparse=always "$disk" "$dir/sparse/disk.raw.tmp" && mv "$dir/sparse/disk.raw.tmp" "$disk"
cp --sparse=never "$disk" "$dir/full/disk.raw"
sparse_kib=$(du -k "$disk" | cut -f1)
full_kib=$(du -k "$dir/full/disk.raw" | cut -f1)
echo "allocated: sparse copy ${sparse_kib} KiB, full copy ${full_kib} KiB"
if ((sparse_kib >= full_kib)); then
  echo "$test_name: this filesystem ($dir) stores no holes; the test would prove nothing" >&2
  exit 1
fi

status=0
for copy in sparse full; do
  bash "$source_dir/nix/scripts/make-gce-tar.sh" --disk="$dir/$copy/disk.raw" --epoch=1700000000 \
    --output="$dir/$copy.tar.gz"
done
if cmp -s "$dir/sparse.tar.gz" "$dir/full.tar.gz"; then
  echo "ok: the sparse and the fully allocated disk.raw give the same image.tar.gz ($(sha256sum <"$dir/sparse.tar.gz" | cut -c1-16)…)"
else
  echo "FAIL: image.tar.gz differs between a sparse and a fully allocated disk.raw" \
    "($(stat -c %s "$dir/sparse.tar.gz") vs $(stat -c %s "$dir/full.tar.gz") bytes)" >&2
  status=1
fi
tar -xzf "$dir/full.tar.gz" -C "$dir/unpacked"
if cmp -s "$dir/unpacked/disk.raw" "$dir/full/disk.raw"; then
  echo "ok: the archive unpacks to the same disk.raw"
else
  echo "FAIL: the archive does not unpack to the same disk.raw" >&2
  status=1
fi
((status)) || rm -rf "$dir"
exit $status
