# Project IDX workspace: the same nixpkgs commit as flake.lock and the same
# tools and image environment as the flake's dev shell (both come from
# nix/toolchain.nix). `pinned` is an argument only so that the test
# image_nix_flake_eval can evaluate this file against a stand-in nixpkgs.
{ pkgs
, pinned ? import
    (builtins.fetchTarball {
      # nixos-24.11 at the commit flake.lock pins; sha256 is the same NAR hash.
      url = "https://github.com/NixOS/nixpkgs/archive/50ab793786d9de88ee30ec4e4c24fb4236fc2674.tar.gz";
      sha256 = "sha256-/bVBlRpECLVzjV19t5KMdMFWSwKLtb5RyXdjz3LJT+g=";
    })
    { system = "x86_64-linux"; }
, ...
}:
let
  toolchain = import ../nix/toolchain.nix { pkgs = pinned; };
in
{
  channel = "stable-24.11";
  packages = toolchain.all;
  # No setup hooks run here: pkg-config and CMake are told where the
  # libraries are (toolchain.searchEnv).
  env = toolchain.imageEnv // toolchain.searchEnv;
  idx.workspace.onCreate.configure = "cmake -S . -B build";
}
