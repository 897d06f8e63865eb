#!/usr/bin/env bash
# make-rootfs.sh and kernel modules, against a made-up kernel module tree:
# compressed modules (.ko.xz, .ko.zst, as nixpkgs' kernel ships them) are
# decompressed into plain .ko files, which init loads with finit_module;
# dependencies from modules.dep come first even when modules.txt does not
# list them; a listed module that is built in is skipped; a listed module that
# is neither a module nor built in fails the build.
#
#   modules.sh --source=REPO --work=DIR
image_test_needs_tools=0
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$work/$test_name"
rm -rf "$dir"
kver=6.6.99-test
modules="$dir/modules/$kver"
mkdir -p "$dir/source/nix" "$modules/kernel/drivers/char/tpm" "$modules/kernel/net/packet" "$dir/plain"
cp -r "$source_dir/nix/image" "$dir/source/nix/image"
: >"$dir/closure"
printf 'test CA\n' >"$dir/ca.crt"


# Made-up modules: an ELF magic number and a name, enough for make-rootfs.
fake_module() { printf '\177ELF fake module %s\n' "$1" >"$dir/plain/$1.ko"; }
for name in tpm tpm_tis_core tpm_tis af_packet; do fake_module "$name"; done
xz -c "$dir/plain/tpm.ko" >"$modules/kernel/drivers/char/tpm/tpm.ko.xz"
zstd -q -c "$dir/plain/tpm_tis_core.ko" >"$modules/kernel/drivers/char/tpm/tpm_tis_core.ko.zst"
xz -c "$dir/plain/tpm_tis.ko" >"$modules/kernel/drivers/char/tpm/tpm_tis.ko.xz"
zstd -q -c "$dir/plain/af_packet.ko" >"$modules/kernel/net/packet/af_packet.ko.zst"
cat >"$modules/modules.dep" <<'DEP'
kernel/drivers/char/tpm/tpm.ko.xz:
kernel/drivers/char/tpm/tpm_tis_core.ko.zst: kernel/drivers/char/tpm/tpm.ko.xz
kernel/drivers/char/tpm/tpm_tis.ko.xz: kernel/drivers/char/tpm/tpm_tis_core.ko.zst kernel/drivers/char/tpm/tpm.ko.xz
kernel/net/packet/af_packet.ko.zst:
DEP
echo kernel/drivers/char/tpm/tpm_crb.ko >"$modules/modules.builtin"

rootfs() {
  bash "$source_dir/nix/scripts/make-rootfs.sh" --source="$dir/source" --staging="$dir/staging" \
    --manifest="$dir/manifest" --closure="$dir/closure" --kernel-release="$kver" \
    --modules-dir="$modules" --ca-bundle="$dir/ca.crt"
}

# tpm_tis without its dependencies listed; tpm_crb built in.
printf '%s\n' af_packet tpm_tis tpm_crb >"$dir/source/nix/image/modules.txt"
if rootfs >"$dir/log" 2>&1; then
  pass "make-rootfs.sh accepts compressed modules"
  expected="/lib/modules/$kver/kernel/net/packet/af_packet.ko
/lib/modules/$kver/kernel/drivers/char/tpm/tpm.ko
/lib/modules/$kver/kernel/drivers/char/tpm/tpm_tis_core.ko
/lib/modules/$kver/kernel/drivers/char/tpm/tpm_tis.ko"
  actual=$(cat "$dir/staging/etc/appliance/modules.list" 2>/dev/null || true)
  if [[ "$actual" == "$expected" ]]; then
    pass "modules.list: plain .ko paths, dependencies first, the built-in module left out"
  else
    fail "modules.list is"$'\n'"$actual"$'\n'"expected"$'\n'"$expected"
  fi
  for name in tpm tpm_tis_core tpm_tis af_packet; do
    staged=$(find "$dir/staging/lib/modules" -name "$name.ko*" -print -quit)
    if [[ "$staged" == *"/$name.ko" ]] && cmp -s "$staged" "$dir/plain/$name.ko"; then
      pass "$name is decompressed into the image as $name.ko"
    else
      fail "$name is in the image as '${staged:-nothing}', not as the decompressed $name.ko"
    fi
    grep -q " /lib/modules/$kver/.*/$name.ko 0644 " "$dir/manifest" || fail "$name.ko is not in the manifest"
  done
else
  fail "make-rootfs.sh failed on compressed modules: $(tail -n 3 "$dir/log")"
fi

# A listed module that this kernel does not have fails the build.
printf '%s\n' af_packet no_such_module >"$dir/source/nix/image/modules.txt"
if rootfs >"$dir/log" 2>&1; then
  fail "make-rootfs.sh succeeded although modules.txt lists a module the kernel does not have"
elif grep -q 'no_such_module' "$dir/log"; then
  pass "a missing listed module fails the build ($(grep -o 'module no_such_module.*' "$dir/log" | head -n 1))"
else
  fail "make-rootfs.sh failed without naming the missing module: $(tail -n 3 "$dir/log")"
fi

# The repository's own list names the modules nixpkgs' kernel needs.
for name in af_packet tpm tpm_tis_core tpm_tis tpm_crb; do
  grep -qx "$name" "$source_dir/nix/image/modules.txt" ||
    fail "nix/image/modules.txt does not list $name (a module in nixpkgs' kernel, built into Debian's)"
done

if ((failures)); then
  echo "$test_name: $failures check(s) failed" >&2
  exit 1
fi
rm -rf "$dir"
echo "$test_name: all checks passed"
