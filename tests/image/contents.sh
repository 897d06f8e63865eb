#!/usr/bin/env bash
# What is in the image: exactly the four programs (and the loader), each
# program's DT_NEEDED libraries, the service users, the kernel modules in
# dependency order, /dev/console, and the disk and archive around the UKI.
# Checks the archive itself (unpacked with GNU cpio), not the staging tree.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
built="$work/built"
root="$work/contents-root"
rm -rf "$root"
mkdir -p "$root"
zstd -q -d -c "$built/initramfs.cpio.zst" |
  (cd "$root" && cpio -i -d --quiet --no-absolute-filenames --nonmatching 'dev/console')
listing="$built/initramfs.list"

# --- no shell, no program beyond the four (and the dynamic loader).
for shell in sh bash dash ash busybox toybox zsh; do
  if awk '{ print $5 }' "$listing" | grep -q -E "/$shell\$"; then fail "the image contains $shell"; fi
done
allowed_programs="/init /bin/attestd /bin/egressd /bin/acmed /bin/authd"
while read -r type mode _size _sha path _rest; do
  [[ "$type" == file ]] || continue
  [[ "$path" == /lib64/ld-linux-x86-64.so.2 ]] && continue
  if ((8#$mode & 0111)); then
    [[ " $allowed_programs " == *" $path "* ]] || fail "$path is executable and not one of the four"
  fi
  if [[ "$(head -c 4 "$root$path" | od -An -c | tr -d ' ')" == '177ELF' ]] &&
    readelf -h "$root$path" | grep -q 'Type:.*EXEC\|Type:.*DYN (Position-Independent Executable'; then
    [[ " $allowed_programs " == *" $path "* ]] || fail "$path is an ELF program"
  fi
done <"$listing"
for spec in "${programs[@]}"; do
  name=${spec#--program=}
  name=${name%%=*}
  path=/bin/$name
  [[ "$name" == init ]] && path=/init
  grep -q " $path\$" "$listing" && pass "$path is in the image" || fail "$path is missing"
done
[[ "$(grep ' /dev/console ' "$listing" | awk '{ print $1, $2, $6, $7, $8 }')" == "nod 0600 c 5 1" ]] &&
  pass "/dev/console is char 5,1" || fail "/dev/console is missing or wrong"

# --- every ELF's DT_NEEDED libraries and interpreter are present.
elf_count=0
while read -r -d '' file; do
  [[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
  [[ "$file" == */lib/modules/* ]] && continue
  elf_count=$((elf_count + 1))
  interpreter=$(readelf -l --wide "$file" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
  [[ -z "$interpreter" || -f "$root$interpreter" ]] || fail "${file#$root}: interpreter $interpreter missing"
  while read -r needed; do
    found=""
    for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /lib /usr/lib; do
      [[ -f "$root$dir/$needed" ]] && found=1
    done
    [[ -n "$found" ]] || fail "${file#$root} needs $needed, which is not in the image"
  done < <(readelf -d --wide "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
done < <(find "$root" -type f -print0)
pass "checked DT_NEEDED of $elf_count ELF files"

# --- users and groups.
users_file="$source_dir/init/users.conf"
[[ -f "$users_file" ]] || users_file="$source_dir/nix/image/default-users.conf"
grep -q '^root:x:0:0:' "$root/etc/passwd" || fail "root is not in /etc/passwd"
while read -r name uid gid; do
  grep -q "^$name:x:$uid:$gid:" "$root/etc/passwd" && pass "user $name ($uid:$gid)" ||
    fail "user $name $uid:$gid is not in /etc/passwd"
  grep -q "^$name:x:$gid:" "$root/etc/group" || fail "group $name ($gid) is not in /etc/group"
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$users_file")
for user in authd acmed attestd egressd; do
  grep -q "^$user:" "$root/etc/passwd" || fail "service user $user is missing"
done
for file in /etc/nsswitch.conf /etc/hosts /etc/ssl/certs/ca-certificates.crt /etc/appliance/modules.list; do
  [[ -s "$root$file" ]] || fail "$file is missing or empty"
done
if [[ -f "$source_dir/init/services.conf" ]]; then
  cmp -s "$source_dir/init/services.conf" "$root/etc/appliance/services.conf" &&
    pass "services.conf is init/services.conf" || fail "/etc/appliance/services.conf differs"
fi

# --- modules: each listed file is present, after its dependencies.
kver=$(sed -n 's/.*"kernel_release": "\(.*\)".*/\1/p' "$built/measurements.json")
declare -A loaded=()
while read -r module; do
  [[ -f "$root$module" ]] || fail "module $module is listed but missing"
  relative=${module#/lib/modules/$kver/}
  deps=$(grep "^$relative:" "/lib/modules/$kver/modules.dep" 2>/dev/null | cut -d: -f2 || true)
  for dep in $deps; do
    [[ -n "${loaded[$dep]:-}" ]] || fail "$relative is listed before its dependency $dep"
  done
  loaded[$relative]=1
done <"$root/etc/appliance/modules.list"
for module in virtio_net gve button evdev; do
  grep -q "/$module.ko\$" "$root/etc/appliance/modules.list" || fail "module $module is not listed"
done
pass "$(wc -l <"$root/etc/appliance/modules.list") modules in load order"

# --- the UKI, disk.raw and image.tar.gz hold what they should.
objcopy -O binary --only-section=.initrd "$built/uki.efi" "$work/uki-initrd" 2>/dev/null
cmp -s <(head -c "$(stat -c %s "$built/initramfs.cpio.zst")" "$work/uki-initrd") "$built/initramfs.cpio.zst" &&
  pass "the UKI's .initrd is initramfs.cpio.zst" || fail "the UKI's .initrd differs from initramfs.cpio.zst"
(($(stat -c %s "$built/disk.raw") % (1024 * 1024 * 1024) == 0)) && pass "disk.raw is whole GiB" ||
  fail "disk.raw is not a whole number of GiB"
sgdisk -p "$built/disk.raw" | grep -q '4150504C-4941-4E43-4500-000000000001' || fail "disk GUID is not the fixed one"
sgdisk -i 1 "$built/disk.raw" | grep -q 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' || fail "partition 1 is not an ESP"
rm -f "$work/BOOTX64.EFI"
MTOOLS_SKIP_CHECK=1 mcopy -n -i "$built/disk.raw@@1M" ::/EFI/BOOT/BOOTX64.EFI "$work/BOOTX64.EFI"
cmp -s "$work/BOOTX64.EFI" "$built/uki.efi" && pass "ESP /EFI/BOOT/BOOTX64.EFI is uki.efi" ||
  fail "the ESP does not hold uki.efi as /EFI/BOOT/BOOTX64.EFI"
[[ "$(tar -tzf "$built/image.tar.gz")" == disk.raw ]] && pass "image.tar.gz holds only disk.raw" ||
  fail "image.tar.gz must hold exactly disk.raw"
finish
