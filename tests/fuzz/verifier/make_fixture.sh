#!/usr/bin/env bash
# Regenerates tests/fuzz/corpus/verifier_fixture/ (the genuine attestation the
# verifier fuzz target mutates) from a real attestd on swtpm. Needs the
# release build (tests/run.sh builds it: build/); run it by hand, then commit
# the files. The output differs on every run (fresh keys and nonce).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
build="${BUILD:-$root/build}"
out="${1:-$root/tests/fuzz/corpus/verifier_fixture}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -n "${NO_BUILD:-}" ]] || cmake --build "$build" --target attestd test_fixtures attest_verify >/dev/null
# The release build's own flags, libraries and include paths.
g++ -std=c++23 -O1 -I"$root/common/include" -I"$root/attestd" -I"$root/tests" -I"$root" \
  "$root/tests/fuzz/verifier/make_fixture.cpp" "$root/tests/attestd/swtpm_helpers.cpp" \
  "$build/tests/fixtures/libtest_fixtures.a" "$build/attestd/libattest_verify.a" \
  "$build/common/libcommon.a" \
  $(pkg-config --cflags --libs cpp-httplib) -lgtest -lssl -lcrypto -lcurl -ltss2-esys -ltss2-mu -ltss2-rc -ltss2-tctildr -lpthread \
  -o "$work/make_fixture"
APPLIANCE_BIN_DIR="$build/bin" "$work/make_fixture" "$out"
