# A stand-in for nixpkgs, for evaluating the flake where nixpkgs cannot be
# fetched (no internet): tests/image/nix-flake-eval.sh passes it with
# `--override-input nixpkgs path:tests/image/nixpkgs-stub`. It declares every
# nixpkgs attribute the flake, nix/*.nix and .idx/dev.nix use, as
# derivations that would fail if built; see default.nix.
{
  description = "stand-in nixpkgs for evaluating the appliance flake offline (test only)";
  outputs = { self }: { };
}
