#!/usr/bin/env bash
# ThreadSanitizer pass over the multithreaded suites (issue 14, docs/sanitizers.md):
# every test of the common library (IPC server, subscriber, publisher and
# feeds, the HTTP front plain and TLS, the HTTP and metadata clients) and of
# authd, unit and daemon (the daemon runs as a child process, built with
# TSan too).
#
#   tests/tsan.sh [extra ctest arguments]
#
# Configures build-tsan/ (g++, -DAPPLIANCE_TSAN=ON, components common and
# authd), builds only the test targets these suites need, runs them with
# halt_on_error=1 and prints the tests run, the failures and the race reports.
# Every report, from a test binary or from a daemon it started, is written to
# build-tsan/tsan-reports/; any report or failed test fails the script.
# Variables: TSAN_BUILD (build directory), TSAN_JOBS (ctest -j, default the
# number of cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${TSAN_BUILD:-$root/build-tsan}"
jobs="${TSAN_JOBS:-$(nproc)}"
reports="$build/tsan-reports"

"$root/tests/ensure-deps.sh"
start=$SECONDS
cmake -S "$root" -B "$build" -DAPPLIANCE_TSAN=ON "-DAPPLIANCE_COMPONENTS=common;authd" >/dev/null
cmake --build "$build" -j"$(nproc)" --target common_tests authd_unit_tests authd_daemon_tests \
  authd gce-metadata-sim paypal-sandbox-sim >/dev/null
echo "tsan: build took $((SECONDS - start)) s"

# Every suite of the three test binaries (gtest suite names): the common
# library's (IPC server, subscriber, publisher and feeds, the HTTP front, the
# HTTP and metadata clients, ...) and authd's, unit and daemon.
mapfile -t suites < <(for binary in tests/common/common_tests tests/authd/authd_unit_tests \
  tests/authd/authd_daemon_tests; do
  TSAN_OPTIONS= "$build/$binary" --gtest_list_tests | sed -n 's/^\([A-Za-z0-9_/]*\)\.$/\1/p'
done | sort -u)
pattern="^($(IFS='|'; echo "${suites[*]}"))\\."

rm -rf "$reports"
mkdir -p "$reports"
# halt_on_error: the first race fails the test. second_deadlock_stack: both
# stacks of a lock-order inversion. log_path: reports of child processes
# (authd, the look-alikes) are kept too, not lost in a captured stderr.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:log_path=$reports/tsan:suppressions=$root/tests/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
start=$SECONDS
status=0
# A test that fails without a race report is run once more: under TSan
# (5-15x slower) a few timing-bound tests can miss a deadline; one that fails
# twice fails the pass, and any race report fails it whatever the tests say.
ctest --test-dir "$build" -R "$pattern" -j"$jobs" --timeout 600 --output-on-failure \
  --repeat until-pass:3 \
  --output-junit "$build/tsan-junit.xml" "$@" >"$build/tsan-ctest.log" 2>&1 || status=$?
elapsed=$((SECONDS - start))
grep -E '^[0-9]+% tests passed|tests failed|\(Failed\)|\(Timeout\)|\*\*\*' "$build/tsan-ctest.log" |
  sed 's/^/tsan: /' || true
mapfile -t found < <(find "$reports" -type f | sort)
races=0
for report in "${found[@]}"; do
  races=$((races + $(grep -c '^WARNING: ThreadSanitizer' "$report" || true)))
  echo "tsan: report $report:"
  grep -m1 -A24 '^WARNING: ThreadSanitizer' "$report" || head -30 "$report"
done
echo "tsan: ${#suites[@]} suites, $races reports in ${#found[@]} processes, ctest status $status, $elapsed s"
if ((status != 0 || ${#found[@]} > 0)); then
  exit 1
fi
