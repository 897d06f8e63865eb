#!/usr/bin/env bash
# Configure succeeds against a cpp-httplib that exists only as a CMake
# package, as nixpkgs ships it (httplib::httplib, no cpp-httplib.pc): a
# temporary prefix holds an httplibConfig.cmake that wraps Debian's library,
# and pkg-config sees every module of this machine except cpp-httplib.
#
#   httplib-cmake-package.sh --source=REPO --work=DIR
image_test_needs_tools=0
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

libdir=$(pkg-config --variable=libdir cpp-httplib) ||
  { echo "$test_name: needs Debian's libcpp-httplib-dev to build the stand-in" >&2; exit 1; }
library=$(readlink -f "$libdir/libcpp-httplib.so")
[[ -f "$library" ]] || { echo "$test_name: no $libdir/libcpp-httplib.so" >&2; exit 1; }

dir="$work/$test_name"
rm -rf "$dir"
mkdir -p "$dir/prefix/lib/cmake/httplib" "$dir/pkgconfig"
cat >"$dir/prefix/lib/cmake/httplib/httplibConfig.cmake" <<CMAKE
# Stand-in for nixpkgs' httplib CMake package (test only).
set(httplib_VERSION 0.18.0)
if(NOT TARGET httplib::httplib)
  add_library(httplib::httplib SHARED IMPORTED)
  set_target_properties(httplib::httplib PROPERTIES
    IMPORTED_LOCATION "$library"
    INTERFACE_COMPILE_DEFINITIONS "CPPHTTPLIB_OPENSSL_SUPPORT")
endif()
CMAKE

# Every pkg-config module of this machine but cpp-httplib.
while read -r pcdir; do
  for pc in "$pcdir"/*.pc; do
    [[ -f "$pc" && "$(basename "$pc")" != cpp-httplib.pc ]] || continue
    [[ -e "$dir/pkgconfig/$(basename "$pc")" ]] || ln -s "$pc" "$dir/pkgconfig/"
  done
done < <(pkg-config --variable=pc_path pkg-config | tr ':' '\n')

export PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$dir/pkgconfig"
if pkg-config --exists cpp-httplib; then
  echo "FAIL: pkg-config still finds cpp-httplib; the stand-in would prove nothing" >&2
  exit 1
fi
if ! cmake -S "$source_dir" -B "$dir/build" -DAPPLIANCE_COMPONENTS=common -DAPPLIANCE_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$dir/prefix" >"$dir/configure.log" 2>&1; then
  tail -n 20 "$dir/configure.log" >&2
  echo "FAIL: configure against a CMake-package-only cpp-httplib" >&2
  exit 1
fi
grep -q 'cpp-httplib: CMake package httplib' "$dir/configure.log" ||
  { echo "FAIL: configure did not report the CMake package" >&2; exit 1; }
echo "ok: configure found httplib::httplib through find_package(httplib CONFIG)"
rm -rf "$dir"
echo "$test_name: all checks passed"
