#!/usr/bin/env bash
# Two builds, byte for byte. The source (tracked files plus untracked,
# non-ignored ones: what the developer has) is copied into two directories
# with different path lengths, and each image is built with a different umask
# and TZ. Copy A compiles common, init and the image tools itself and must
# get the same bytes as the main build (a different source and build path:
# that is the compile-twice check, done once instead of twice to fit the test
# budget); its image uses its own init and tools. Copy B's image uses the main
# build's. The other daemons come from the main build for both (they are
# compiled with the same flags as init: -ffile-prefix-map for the source and
# build directories, --build-id=sha1, -Wdate-time). Every artefact must be
# identical; when the initramfs is not, the first differing file is named.
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

main_init=""
for spec in "${programs[@]}"; do
  [[ "$spec" == --program=init=* ]] && main_init=${spec#--program=init=}
done
start=$SECONDS
(umask 077 && export TZ=Pacific/Kiritimati && compile "$tree_a") || fail "compiling copy A failed"
echo "compiling copy A took $((SECONDS - start)) s; CPU time (user, system) of this test so far:"
times | tail -n 1
((failures == 0)) || finish

# --- the compiled programs: copy A against the main build.
for program in cpio-pack image-measure pe-stamp pe-authenticode; do
  cmp -s "$tree_a/build/tools/$program" "$IMAGE_TOOLS_DIR/$program" &&
    pass "$program is byte-identical to the main build's" || fail "$program differs from the main build's"
done
if [[ -n "$has_init" ]]; then
  cmp -s "$tree_a/build/bin/init" "$main_init" && pass "init is byte-identical to the main build's" ||
    fail "init differs from the main build's (rebuild the main build if its tree changed since)"
fi

start=$SECONDS
own_init=()
[[ -n "$has_init" ]] && own_init=(--program=init="$tree_a/build/bin/init")
(umask 077 && export TZ=Pacific/Kiritimati &&
  image "$tree_a" "$tree_a/build/tools" "${own_init[@]}" "${daemon_programs[@]}") || fail "image A failed"
(umask 022 && export TZ=UTC && image "$tree_b" "$IMAGE_TOOLS_DIR" "${programs[@]}") || fail "image B failed"
echo "two image builds took $((SECONDS - start)) s"
((failures == 0)) || finish

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
