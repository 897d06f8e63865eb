#!/usr/bin/env bash
# A Release build (-O3, what nixpkgs' CMake hook and most packagers build)
# of the files g++ 12 once warned about only at -O3 stays warning-free under
# -Werror: a narrowed Release configure, then those objects alone.
#
#   release-warnings.sh --source=REPO --work=DIR
image_test_needs_tools=0
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$work/$test_name"
rm -rf "$dir"
# Directory (in the build tree) and object of each file.
objects=(
  "init dhcp_message.cpp.o" # -Warray-bounds false positive in encode() (g++ 12)
)
if ! cmake -S "$source_dir" -B "$dir" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release \
  -DAPPLIANCE_COMPONENTS="common;init" -DAPPLIANCE_BUILD_TESTS=OFF -DAPPLIANCE_WERROR=ON \
  >"$dir.configure.log" 2>&1; then
  fail "Release configure: $(tail -n 10 "$dir.configure.log")"
  finish
fi
for entry in "${objects[@]}"; do
  read -r subdir object <<<"$entry"
  if make -C "$dir/$subdir" "$object" >"$dir.build.log" 2>&1; then
    pass "$subdir/${object%.o} compiles at -O3 with -Werror"
  else
    fail "$subdir/${object%.o} at -O3: $(grep -E 'error|warning' "$dir.build.log" | head -n 5)"
  fi
done
((failures)) || rm -rf "$dir" "$dir.configure.log" "$dir.build.log"
finish
