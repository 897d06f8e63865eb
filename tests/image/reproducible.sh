#!/usr/bin/env bash
# Two builds, byte for byte. The source (tracked files plus untracked,
# non-ignored ones: what the developer has) is copied once into two
# directories with different path lengths; each copy is compiled (common,
# init and the image tools) and builds the image with a different umask and
# TZ, using its own init and tools. The compiled programs must be identical,
# which proves the compiler output does not depend on the checkout's path.
# The other daemons come from the main build for both copies: compiling them
# twice would not fit the test budget, and they are compiled with the same
# flags as init (-ffile-prefix-map for the source and build directories,
# --build-id=sha1, -Wdate-time). Every artefact must be identical; when the
# initramfs is not, the first differing file inside it is named.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(pinned_epoch)
rm -rf "$work/repro"
tree_a="$work/repro/a"
tree_b="$work/repro/second-copy-with-a-longer-path/b"
mkdir -p "$work/repro"
# One snapshot for both copies: others may be editing the tree meanwhile.
(cd "$source_dir" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [[ -e "$file" ]] && printf '%s\0' "$file"; done |
  tar --null -T - -cf -) >"$work/repro/snapshot.tar"
for tree in "$tree_a" "$tree_b"; do
  mkdir -p "$tree/src"
  tar -C "$tree/src" -xf "$work/repro/snapshot.tar"
done

has_init=""
daemon_programs=()
for spec in "${programs[@]}"; do
  case "$spec" in
    --program=init=*) has_init=1 ;;
    *) daemon_programs+=("$spec") ;;
  esac
done
compile_targets=(cpio-pack image-measure pe-stamp pe-authenticode)
[[ -n "$has_init" ]] && compile_targets+=(init)
components="common"
[[ -n "$has_init" ]] && components="common;init"

# compile TREE: common + init + the image tools, as the main build does.
compile() {
  local tree=$1
  cmake -S "$tree/src" -B "$tree/build" -DAPPLIANCE_COMPONENTS="$components" \
    -DAPPLIANCE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$tree/cmake.log" 2>&1 ||
    { cat "$tree/cmake.log" >&2; return 1; }
  cmake --build "$tree/build" -j"$(nproc)" --target "${compile_targets[@]}" >"$tree/build.log" 2>&1 ||
    { tail -n 50 "$tree/build.log" >&2; return 1; }
}

# image TREE TOOLS PROGRAM...: builds the image into TREE/out.
image() {
  local tree=$1 tools=$2
  shift 2
  IMAGE_TOOLS_DIR="$tools" bash "$tree/src/nix/scripts/build-image.sh" \
    --source="$tree/src" --output="$tree/out" "$@" >"$tree/image.log" 2>&1 ||
    { cat "$tree/image.log" >&2; return 1; }
}

own_programs() {
  local tree=$1
  [[ -n "$has_init" ]] && echo "--program=init=$tree/build/bin/init"
  if ((${#daemon_programs[@]})); then printf '%s\n' "${daemon_programs[@]}"; fi
}

TIMEFORMAT="%R s wall, %U s user, %S s system"
echo "copy A (umask 077, TZ=Pacific/Kiritimati):"
time (umask 077 && export TZ=Pacific/Kiritimati && compile "$tree_a" &&
  mapfile -t args < <(own_programs "$tree_a") && image "$tree_a" "$tree_a/build/tools" "${args[@]}") ||
  fail "copy A failed"
echo "copy B (umask 022, TZ=UTC):"
time (umask 022 && export TZ=UTC && compile "$tree_b" &&
  mapfile -t args < <(own_programs "$tree_b") && image "$tree_b" "$tree_b/build/tools" "${args[@]}") ||
  fail "copy B failed"
((failures == 0)) || finish

# --- the compiled programs.
compiled=(tools/cpio-pack tools/image-measure tools/pe-stamp tools/pe-authenticode)
[[ -n "$has_init" ]] && compiled+=(bin/init)
for program in "${compiled[@]}"; do
  cmp -s "$tree_a/build/$program" "$tree_b/build/$program" &&
    pass "$program is byte-identical in both copies" || fail "$program differs between the copies"
done

# --- the artefacts.
for artefact in initramfs.manifest initramfs.list initramfs.cpio.zst uki.efi disk.raw image.tar.gz \
  measurements.json size-report.txt; do
  if cmp -s "$tree_a/out/$artefact" "$tree_b/out/$artefact"; then
    pass "$artefact is byte-identical ($(sha256sum "$tree_a/out/$artefact" | cut -c1-16)...)"
  else
    fail "$artefact differs"
  fi
done
if ! cmp -s "$tree_a/out/initramfs.list" "$tree_b/out/initramfs.list"; then
  first=$(diff <(cat "$tree_a/out/initramfs.list") <(cat "$tree_b/out/initramfs.list") | grep -m1 '^[<>]' || true)
  fail "first differing entry inside the initramfs: ${first#? }"
elif ! cmp -s "$tree_a/out/work/initramfs.cpio" "$tree_b/out/work/initramfs.cpio"; then
  fail "the initramfs entries match but the cpio bytes differ at $(cmp "$tree_a/out/work/initramfs.cpio" "$tree_b/out/work/initramfs.cpio" | cut -d: -f2-)"
fi
finish
