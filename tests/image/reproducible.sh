#!/usr/bin/env bash
# Two builds, byte for byte. The source (tracked files plus untracked,
# non-ignored ones: what the developer has) is copied into two directories
# with different path lengths; each copy is built with a different umask and
# TZ: first the C++ it can build cheaply (common + init + the image tools,
# compiled twice and compared, which proves the compiler output does not
# depend on the checkout's path), then the image, using its own init and
# tools and the main build's daemons (the daemons' compilation follows the
# same flags; compiling them twice would not fit the test budget). Every
# artefact must be identical; when one is not, the first differing file
# inside the initramfs is named.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(pinned_epoch)
rm -rf "$work/repro"
tree_a="$work/repro/a"
tree_b="$work/repro/second-copy-with-a-longer-path/b"
for tree in "$tree_a" "$tree_b"; do
  mkdir -p "$tree/src"
  (cd "$source_dir" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [[ -e "$file" ]] && printf '%s\0' "$file"; done |
    tar --null -T - -cf -) | tar -C "$tree/src" -xf -
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

# build TREE UMASK TZ: compiles, then builds the image into TREE-out.
build() {
  local tree=$1 mask=$2 zone=$3
  (
    umask "$mask"
    export TZ=$zone
    cmake -S "$tree/src" -B "$tree/build" -DAPPLIANCE_COMPONENTS="$components" \
      -DAPPLIANCE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$tree/cmake.log" 2>&1 ||
      { cat "$tree/cmake.log" >&2; exit 1; }
    cmake --build "$tree/build" -j"$(nproc)" --target "${compile_targets[@]}" >"$tree/build.log" 2>&1 ||
      { tail -n 50 "$tree/build.log" >&2; exit 1; }
    local own=()
    [[ -n "$has_init" ]] && own+=(--program=init="$tree/build/bin/init")
    IMAGE_TOOLS_DIR="$tree/build/tools" bash "$tree/src/nix/scripts/build-image.sh" \
      --source="$tree/src" --output="$tree/out" "${own[@]}" "${daemon_programs[@]}" >"$tree/image.log" 2>&1 ||
      { cat "$tree/image.log" >&2; exit 1; }
  )
}
start=$SECONDS
build "$tree_a" 022 UTC || fail "the first build failed"
build "$tree_b" 077 Pacific/Kiritimati || fail "the second build failed"
echo "two builds took $((SECONDS - start)) s"
((failures == 0)) || finish

# --- the compiled programs.
for program in cpio-pack image-measure pe-stamp pe-authenticode; do
  cmp -s "$tree_a/build/tools/$program" "$tree_b/build/tools/$program" &&
    pass "$program is byte-identical" || fail "$program differs between the two checkouts"
done
if [[ -n "$has_init" ]]; then
  cmp -s "$tree_a/build/bin/init" "$tree_b/build/bin/init" && pass "init is byte-identical" || fail "init differs between the two checkouts"
fi

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
