#!/usr/bin/env bash
# Runs every libFuzzer target in tests/fuzz for SECONDS each (docs/fuzzing.md).
#
#   tests/fuzz/run.sh SECONDS [TARGET...]
#
# Builds build-fuzz/ with clang (cmake/Fuzzing.cmake) if needed, runs the
# targets niced (FUZZ_NICE, default 10) FUZZ_JOBS at a time (default: the
# number of cores), merges the inputs that found new coverage into
# tests/fuzz/corpus/TARGET (minimised with -merge=1; FUZZ_MERGE=0 skips it,
# as CI does), prints executions, coverage and crashes per target, and exits
# non-zero if any target crashed, leaked or timed out. Crash inputs are kept
# in build-fuzz/fuzz-work/TARGET/ and their logs beside them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzz="$root/tests/fuzz"
if (($# < 1)) || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: tests/fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
build="${FUZZ_BUILD:-$root/build-fuzz}"
nice_level="${FUZZ_NICE:-10}"
jobs="${FUZZ_JOBS:-$(nproc)}"
merge="${FUZZ_MERGE:-1}"
compiler="${FUZZ_CXX:-clang++-16}"

if (($# > 0)); then
  targets=("$@")
else
  mapfile -t targets < <(sed -n 's/^appliance_fuzzer(\([a-z0-9_]*\) .*/\1/p' "$fuzz/CMakeLists.txt")
fi

"$root/tests/ensure-deps.sh"
start=$SECONDS
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$compiler" -DAPPLIANCE_FUZZ=ON \
    -DAPPLIANCE_BUILD_TESTS=OFF "-DAPPLIANCE_COMPONENTS=common;init;attestd;acmed;authd" >/dev/null
else
  # Re-run explicitly: a checkout can change CMakeLists.txt files in ways the
  # generated Makefiles do not notice (a fuzz_targets target missing).
  cmake -S "$root" -B "$build" >/dev/null
fi
nice -n "$nice_level" cmake --build "$build" --target fuzz_targets -j"$(nproc)" >/dev/null
echo "fuzz: build took $((SECONDS - start)) s"

# One target: fuzz into a scratch corpus (the repo's corpus is read as seeds),
# then keep what found new coverage. Writes a one-line summary to $work/summary.
run_target() {
  local name=$1 work="$build/fuzz-work/$1"
  rm -rf "$work"
  mkdir -p "$work/new" "$work/artifacts" "$fuzz/corpus/$name"
  local dict=()
  [[ -f "$fuzz/dict/$name.dict" ]] && dict=(-dict="$fuzz/dict/$name.dict")
  local status=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    nice -n "$nice_level" "$build/fuzz/$name" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "${dict[@]}" "$work/new" "$fuzz/corpus/$name" >"$work/log" 2>&1 || status=$?
  local execs cov ft crashes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  crashes=$(find "$work/artifacts" -type f | wc -l)
  if ((status != 0 && crashes == 0)); then crashes=1; fi  # died without an artifact
  local added=0
  if [[ "$merge" == 1 ]] && ((crashes == 0)) && [[ -n "$(ls -A "$work/new")" ]]; then
    local before
    before=$(find "$fuzz/corpus/$name" -type f | wc -l)
    # -use_counters=0: keep inputs for new edges, not for new hit counts,
    # which keeps the committed corpus small (a few MB for all targets).
    nice -n "$nice_level" "$build/fuzz/$name" -merge=1 -use_counters=0 -timeout=20 -max_len=16384 \
      "${dict[@]}" \
      "$fuzz/corpus/$name" "$work/new" >"$work/merge.log" 2>&1 || true
    added=$(($(find "$fuzz/corpus/$name" -type f | wc -l) - before))
  fi
  printf '%-20s %12s %7s %7s %8s %6s\n' "$name" "${execs:-0}" "${cov:-0}" "${ft:-0}" "$crashes" \
    "$added" >"$work/summary"
}
# Symbolised stacks in crash reports.
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)}"
export -f run_target
export build fuzz seconds nice_level merge

start=$SECONDS
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_target "$@"' _ {} || true
printf '%-20s %12s %7s %7s %8s %6s\n' target execs cov ft crashes merged
failed=0
for name in "${targets[@]}"; do
  summary="$build/fuzz-work/$name/summary"
  if [[ ! -f "$summary" ]]; then
    printf '%-20s did not run\n' "$name"
    failed=1
    continue
  fi
  cat "$summary"
  if [[ $(awk '{print $5}' "$summary") != 0 ]]; then
    failed=1
    echo "fuzz: $name crashed; log and input in $build/fuzz-work/$name/" >&2
    grep -m1 -A30 -E '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|deadly signal|ERROR: libFuzzer' \
      "$build/fuzz-work/$name/log" >&2 || tail -30 "$build/fuzz-work/$name/log" >&2
  fi
done
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $jobs at a time: $((SECONDS - start)) s"
exit "$failed"
