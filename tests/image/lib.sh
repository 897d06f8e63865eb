# Shared by the image tests: argument parsing, failure, the pinned epoch.
set -euo pipefail
test_name=$(basename "$0" .sh)
source_dir="" work="" programs=()
for arg in "$@"; do
  case "$arg" in
    --source=*) source_dir=${arg#*=} ;;
    --work=*) work=${arg#*=} ;;
    --program=*) programs+=("$arg") ;;
    *) echo "$test_name: unknown argument $arg" >&2; exit 2 ;;
  esac
done
[[ -n "$source_dir" && -n "$work" ]] || { echo "$test_name: need --source and --work" >&2; exit 2; }
# Tests that run no image tool set image_test_needs_tools=0 before sourcing.
if [[ "${image_test_needs_tools:-1}" != 0 ]]; then
  : "${IMAGE_TOOLS_DIR:?IMAGE_TOOLS_DIR must name the directory holding the image tools}"
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
finish() {
  if ((failures)); then
    echo "$test_name: $failures check(s) failed" >&2
    exit 1
  fi
  echo "$test_name: all checks passed"
}

# One epoch for every build a test compares: the last commit's time, read
# once (others may commit while the test runs), or a constant outside git.
pinned_epoch() {
  git -C "$source_dir" log -1 --format=%ct 2>/dev/null || echo 1700000000
}
