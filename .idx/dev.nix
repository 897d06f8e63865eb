# Project IDX workspace: the same nixpkgs commit as flake.lock and the same
# tools as the flake's dev shell (both come from nix/toolchain.nix).
{ pkgs, ... }:
let
  # nixos-24.11 at the commit flake.lock pins; sha256 is the same NAR hash.
  pinned = import (builtins.fetchTarball {
    url = "https://github.com/NixOS/nixpkgs/archive/50ab793786d9de88ee30ec4e4c24fb4236fc2674.tar.gz";
    sha256 = "sha256-/bVBlRpECLVzjV19t5KMdMFWSwKLtb5RyXdjz3LJT+g=";
  }) { system = "x86_64-linux"; };
  toolchain = import ../nix/toolchain.nix { pkgs = pinned; };
in
{
  channel = "stable-24.11";
  packages = toolchain.all;
  env = { };
  idx.workspace.onCreate.configure = "cmake -S . -B build";
}
