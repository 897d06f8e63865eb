#!/usr/bin/env bash
# The flake evaluates: `nix flake show` and `nix flake check --no-build`
# (Debian's nix-bin) against the stand-in nixpkgs in
# tests/image/nixpkgs-stub (this machine cannot fetch the pinned nixpkgs),
# so an evaluation error or a broken output schema fails here. Also:
# .idx/dev.nix evaluates against the stand-in, every package of
# nix/deps-debian.txt has a nixpkgs equivalent in nix/toolchain.nix that the
# dev shell carries, and no test runs python3 from a fixed /usr/bin path
# (the dev shell's python3 is on PATH, not there).
#
# Evaluation only: nothing is built. Nix runs with its own store and HOME in
# the work directory, on a copy of the tree's tracked and untracked (not
# ignored) files, so it sees what the developer has, and leaves no trace.
#
#   nix-flake-eval.sh --source=REPO --work=DIR
image_test_needs_tools=0
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v nix >/dev/null || { echo "$test_name: needs nix (Debian: nix-bin)" >&2; exit 1; }

dir="$work/$test_name"
rm -rf "$dir"
mkdir -p "$dir/tree" "$dir/home"
trap 'chmod -R u+w "$dir" 2>/dev/null || true' EXIT

# The tree as the developer has it (no build directories, no .git).
(cd "$source_dir" && git ls-files -z --cached --others --exclude-standard 2>/dev/null) |
  (cd "$source_dir" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
  (cd "$source_dir" && cpio --quiet -0 -pdm "$dir/tree")
[[ -f "$dir/tree/flake.nix" ]] || { echo "$test_name: no flake.nix in the copy" >&2; exit 1; }

export HOME="$dir/home" XDG_CACHE_HOME="$dir/home/.cache" XDG_CONFIG_HOME="$dir/home/.config"
export NIX_CONFIG=$'experimental-features = nix-command flakes\nbuild-users-group =\nsubstituters =\nwarn-dirty = false'
store="$dir/store"
nix_cmd=(nix --store "$store" --offline)
flake="path:$dir/tree"
stub="path:$dir/tree/tests/image/nixpkgs-stub"
override=(--override-input nixpkgs "$stub" --no-write-lock-file)

if "${nix_cmd[@]}" flake show "${override[@]}" "$flake" >"$dir/show.log" 2>&1; then
  pass "nix flake show"
  shown=$(sed 's/\x1b\[[0-9;]*m//g' "$dir/show.log")
  for name in attest-verify gce-image init attestd egressd acmed authd common trafficcop image-tools \
    initramfs uki disk-image default; do
    grep -qE "^[│├└ ─]*${name}: package" <<<"$shown" || fail "nix flake show lists no package $name"
  done
  grep -qE "unit: derivation|unit: .*check" <<<"$shown" || grep -q "unit" <<<"$shown" || fail "no checks.unit"
  grep -q "run-local: app" <<<"$shown" || fail "no apps.run-local"
else
  fail "nix flake show: $(tail -n 15 "$dir/show.log")"
fi

if "${nix_cmd[@]}" flake check --no-build "${override[@]}" "$flake" >"$dir/check.log" 2>&1; then
  pass "nix flake check --no-build"
else
  fail "nix flake check --no-build: $(tail -n 15 "$dir/check.log")"
fi

# What the derivations and the dev shell carry (evaluated, not built).
eval_json() { "${nix_cmd[@]}" eval --json "${override[@]}" "$flake#$1" "${@:2}" 2>"$dir/eval.log"; }
if shell_env=$(eval_json devShells.x86_64-linux.default.drvAttrs --apply \
  'a: { inherit (a) IMAGE_KERNEL IMAGE_EFI_STUB IMAGE_MODULES_DIR OVMF_CODE OVMF_VARS; inputs = map (p: p.name) (a.nativeBuildInputs ++ a.buildInputs); libraries = map (p: p.name) a.buildInputs; }'); then
  # Libraries must be buildInputs: only for those the pkg-config and CMake
  # hooks add search paths.
  grep -q '"libraries":\[[^]]*"httplib' <<<"$shell_env" && grep -q '"libraries":\[[^]]*"openssl' <<<"$shell_env" ||
    fail "dev shell: the libraries are not buildInputs (pkg-config and CMake would not find them)"
  for key in IMAGE_KERNEL IMAGE_EFI_STUB IMAGE_MODULES_DIR OVMF_CODE OVMF_VARS; do
    grep -q "\"$key\":\"/nix/store/" <<<"$shell_env" || fail "dev shell: $key is not a store path"
  done
  grep -q 'OVMF-tpm' <<<"$shell_env" || fail "dev shell: OVMF is not the TPM-enabled one"
  grep -q '"glibc' <<<"$shell_env" || fail "dev shell: no glibc (static) for image_pcr_probe"
  pass "dev shell: IMAGE_* and OVMF_* point at nixpkgs' kernel, stub and OVMF (with TPM)"
else
  fail "evaluating the dev shell: $(tail -n 10 "$dir/eval.log")"
fi
for attr in packages.x86_64-linux.init packages.x86_64-linux.attest-verify packages.x86_64-linux.image-tools \
  checks.x86_64-linux.unit; do
  if flags=$(eval_json "$attr.drvAttrs" --apply 'a: { f = a.cmakeFlags or []; t = a.cmakeBuildType or ""; }'); then
    grep -q 'APPLIANCE_WERROR=OFF' <<<"$flags" || fail "$attr does not build with -DAPPLIANCE_WERROR=OFF"
    grep -q '"t":"RelWithDebInfo"' <<<"$flags" || fail "$attr does not build RelWithDebInfo: $flags"
  else
    fail "evaluating $attr: $(tail -n 10 "$dir/eval.log")"
  fi
done
if unit=$(eval_json checks.x86_64-linux.unit.drvAttrs --apply 'a: map (p: p.name) a.buildInputs'); then
  grep -q '"glibc' <<<"$unit" || fail "checks.unit lacks glibc.static (image_pcr_probe links -static)"
fi
if app=$(eval_json apps.x86_64-linux.default.program); then
  pass "apps.default.program evaluates ($app)"
fi

# .idx/dev.nix against the stand-in (its own pin would need the internet).
if idx=$(nix-instantiate --store "$store" --eval --strict --json -E \
  "let stub = import $dir/tree/tests/image/nixpkgs-stub { system = \"x86_64-linux\"; };
       idx = import $dir/tree/.idx/dev.nix { pkgs = stub; pinned = stub; };
   in { env = idx.env; n = builtins.length idx.packages; }" 2>"$dir/idx.log"); then
  grep -q '"IMAGE_EFI_STUB":"/nix/store/' <<<"$idx" && pass ".idx/dev.nix evaluates, with the image environment" ||
    fail ".idx/dev.nix has no IMAGE_EFI_STUB: $idx"
  grep -q '"PKG_CONFIG_PATH":"[^"]*openssl-dev/lib/pkgconfig' <<<"$idx" && grep -q '"CMAKE_PREFIX_PATH":"[^"]*httplib' <<<"$idx" &&
    pass ".idx/dev.nix tells pkg-config and CMake where the libraries are" ||
    fail ".idx/dev.nix: no PKG_CONFIG_PATH/CMAKE_PREFIX_PATH to the libraries: $idx"
else
  fail ".idx/dev.nix: $(tail -n 10 "$dir/idx.log")"
fi

# Every Debian package of nix/deps-debian.txt has a nixpkgs equivalent that
# the dev shell carries (or that stdenv provides).
mapfile -t debian < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' "$dir/tree/nix/deps-debian.txt")
if mapping=$(nix-instantiate --store "$store" --eval --strict --json -E \
  "let pkgs = import $dir/tree/tests/image/nixpkgs-stub { system = \"x86_64-linux\"; };
       t = import $dir/tree/nix/toolchain.nix { inherit pkgs; };
       carried = p: builtins.elem p.outPath (map (x: x.outPath) (t.all ++ t.provided));
   in builtins.mapAttrs (name: ps: builtins.all carried ps) t.debian" 2>"$dir/map.log"); then
  for package in "${debian[@]}"; do
    if ! grep -q "\"$package\":" <<<"$mapping"; then
      fail "nix/toolchain.nix maps no nixpkgs equivalent of Debian's $package (nix/deps-debian.txt)"
    elif ! grep -q "\"$package\":true" <<<"$mapping"; then
      fail "the equivalent of Debian's $package is not in toolchain.all"
    fi
  done
  pass "nix/toolchain.nix maps the ${#debian[@]} packages of nix/deps-debian.txt"
else
  fail "nix/toolchain.nix: $(tail -n 10 "$dir/map.log")"
fi

# Tests find python3 on PATH (the dev shell's), not at /usr/bin.
if hits=$(cd "$source_dir" && git grep -n -e '/usr/bin/python' -- tests ':!tests/image/nix-flake-eval.sh'); then
  fail "tests name /usr/bin/python3 (use python3 from PATH):"$'\n'"$hits"
else
  pass "no test runs /usr/bin/python3"
fi

if ((failures)); then
  echo "$test_name: $failures check(s) failed (logs in $dir)" >&2
  exit 1
fi
chmod -R u+w "$dir" && rm -rf "$dir"
echo "$test_name: all checks passed"
