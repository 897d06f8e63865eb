# libFuzzer build (tests/fuzz, docs/fuzzing.md). Off by default; tests/fuzz/run.sh
# configures a separate build-fuzz/ with it.
#
# Debian 12's clang-14 cannot compile this project: libstdc++ 12 only declares
# std::expected when __cpp_concepts >= 202002L (P0848, conditionally trivial
# special members), which clang 14 neither implements nor advertises. clang 16
# (Debian 12's clang-16) implements P0848 but still advertises 201907L, so the
# fuzz build states the level itself; the parsers are then compiled from the
# same sources as the release build.
option(APPLIANCE_FUZZ "build the libFuzzer targets in tests/fuzz (clang >= 16)" OFF)
if(APPLIANCE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
    message(FATAL_ERROR "APPLIANCE_FUZZ needs clang >= 16 (CMAKE_CXX_COMPILER=clang++-16)")
  endif()
  # Every library is instrumented for coverage and checked by ASan+UBSan; only
  # the fuzz executables link libFuzzer's main (tests/fuzz/CMakeLists.txt).
  add_compile_options(
    -Wno-macro-redefined -D__cpp_concepts=202002L
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
