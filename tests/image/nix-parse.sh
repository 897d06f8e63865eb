#!/usr/bin/env bash
# Parses every .nix file of the repository with nix-instantiate (Debian's
# nix-bin): Nix cannot fetch nixpkgs here, so syntax is what CI can check.
# Also checks that flake.lock is JSON and pins nixpkgs to a commit and hash.
set -euo pipefail
root=$1
cd "$root"
mapfile -t files < <(git ls-files '*.nix' 2>/dev/null; find . -name '*.nix' -not -path './build*' -not -path './.git/*' | sed 's|^\./||')
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
((${#files[@]} >= 3)) || { echo "FAIL: expected flake.nix, nix/*.nix and .idx/dev.nix, found ${files[*]:-none}" >&2; exit 1; }
status=0
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
for file in "${files[@]}"; do
  if nix-instantiate --parse "$file" >/dev/null 2>"$errors"; then
    echo "ok: $file parses"
  else
    echo "FAIL: $file: $(cat "$errors")" >&2
    status=1
  fi
done
python3 - flake.lock <<'PY' || status=1
import json, re, sys
lock = json.load(open(sys.argv[1]))
node = lock["nodes"]["nixpkgs"]["locked"]
assert re.fullmatch(r"[0-9a-f]{40}", node["rev"]), "rev is not a commit"
assert re.fullmatch(r"sha256-[A-Za-z0-9+/]{43}=", node["narHash"]), "narHash is not an SRI sha256"
print("ok: flake.lock pins nixpkgs", node["rev"], node["narHash"])
PY
exit $status
