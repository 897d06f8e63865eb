#!/usr/bin/env bash
# The README's test command: installs missing Debian packages, builds every
# component and runs every test against the real peers (swtpm, pebble,
# tpm2-tools, OpenSSL, QEMU).
#
#   tests/run.sh              release build in build/, all tests
#   tests/run.sh --sanitize   ASan+UBSan Debug build in build-asan/ of every
#                             component and its tests (swtpm, pebble, PayPal
#                             look-alike and Authlib ones included); the image
#                             and QEMU tests run on the release build only
#   tests/run.sh -L unit      extra arguments go to ctest
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build"
cmake_args=()
ctest_args=()
while (($#)); do
  case "$1" in
    --sanitize)
      build="$root/build-asan"
      cmake_args+=(-DAPPLIANCE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
      ctest_args+=(-LE 'image|qemu|bench')
      ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done

"$root/tests/ensure-deps.sh"
jobs=$(nproc)
cmake -S "$root" -B "$build" "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j"$jobs"
# The boot artefact that the QEMU end-to-end test boots (the image tests
# build their own copies to compare).
if [[ "$build" == "$root/build" ]]; then
  cmake --build "$build" --target image
fi
# ASan's leak checker needs ptrace-free stack walking; keep reports readable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 900 "${ctest_args[@]}"
