#!/usr/bin/env bash
# Prints the shared-library closure of ELF programs, read from their
# DT_NEEDED entries (readelf), never by running them (ldd would execute the
# loader, and would follow whatever the host's ld.so.cache says).
#
#   elf-closure.sh [--dlopen=FILE] PROGRAM...
#
# Output, sorted: "<path in the image> <path on this machine>" per library,
# including each program's interpreter (PT_INTERP). A library is looked up in
# the RPATH/RUNPATH of the object that needs it ($ORIGIN expanded), then in
# IMAGE_LIBRARY_PATH (colon-separated; the flake sets it), then in the
# loader's standard directories, and it keeps the directory it was found in
# as its path in the image, so the loader finds it there without a cache.
set -euo pipefail
step_name=elf-closure
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dlopen_conf=""
programs=()
for arg in "$@"; do
  case "$arg" in
    --dlopen=*) dlopen_conf=${arg#--dlopen=} ;;
    -*) die "unknown flag $arg" ;;
    *) programs+=("$arg") ;;
  esac
done

standard_dirs=(/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib)
extra_dirs=()
if [[ -n "${IMAGE_LIBRARY_PATH:-}" ]]; then
  IFS=: read -r -a extra_dirs <<<"$IMAGE_LIBRARY_PATH"
fi

declare -A found=()    # soname -> host path
declare -A result=()   # image path -> host path
queue=()

is_elf() { [[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" == '177ELF' ]]; }

# The directories an object asks the loader to search, $ORIGIN expanded.
search_dirs_of() {
  local object=$1 origin line path
  origin=$(dirname "$object")
  readelf -d --wide "$object" 2>/dev/null | grep -E '\((RPATH|RUNPATH)\)' | while read -r line; do
    path=${line##*\[}
    path=${path%\]*}
    tr ':' '\n' <<<"${path//\$ORIGIN/$origin}"
  done
}

needed_of() {
  readelf -d --wide "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'
}

interpreter_of() {
  readelf -l --wide "$1" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p'
}

resolve() {
  local soname=$1 requester=$2 dir
  local -a dirs
  mapfile -t dirs < <(search_dirs_of "$requester")
  for dir in "${dirs[@]}" "${extra_dirs[@]}" "${standard_dirs[@]}"; do
    [[ -n "$dir" && -e "$dir/$soname" ]] || continue
    echo "$dir/$soname"
    return 0
  done
  return 1
}

add_library() {
  local soname=$1 requester=$2 path
  [[ -n "${found[$soname]:-}" ]] && return 0
  path=$(resolve "$soname" "$requester") ||
    die "unable to find $soname (needed by $requester) in RUNPATH, IMAGE_LIBRARY_PATH or ${standard_dirs[*]}"
  found[$soname]=$path
  result[$path]=$(readlink -f "$path")
  queue+=("$path")
}

for program in "${programs[@]}"; do
  [[ -f "$program" ]] || die "unable to read $program: no such file"
  is_elf "$program" || die "$program is not an ELF file"
  interpreter=$(interpreter_of "$program")
  if [[ -n "$interpreter" ]]; then
    [[ -e "$interpreter" ]] || die "unable to find the interpreter $interpreter of $program"
    result[$interpreter]=$(readlink -f "$interpreter")
    found[$(basename "$interpreter")]=$interpreter
  fi
  queue+=("$program")
done

while ((${#queue[@]})); do
  object=${queue[0]}
  queue=("${queue[@]:1}")
  while read -r soname; do
    [[ -n "$soname" ]] && add_library "$soname" "$object"
  done < <(needed_of "$object")
  # Libraries loaded with dlopen() by a library that is now in the closure.
  if [[ -n "$dlopen_conf" ]]; then
    while read -r trigger extra; do
      [[ "$trigger" == "$(basename "$object")" ]] && add_library "$extra" "$object"
    done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$dlopen_conf")
  fi
done

for path in "${!result[@]}"; do
  echo "$path ${result[$path]}"
done | sort
