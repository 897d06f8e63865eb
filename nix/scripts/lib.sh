# Helpers sourced by every image step. Messages follow the project grammar:
# "<step>: unable to <verb> <object>: <reason>"; exit 100 for bad input.
step_name=${step_name:-image}

die() {
  echo "$step_name: $*" >&2
  exit 100
}

note() {
  echo "$step_name: $*" >&2
}

# Every artefact must be independent of the caller's environment.
export LC_ALL=C
export TZ=UTC
umask 022
