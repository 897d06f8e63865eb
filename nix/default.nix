# Everything the flake exports, as a function of nixpkgs and the source, so
# that flake.nix stays a thin wrapper and .idx/dev.nix can share the toolchain.
{ pkgs, src, epoch ? 1 }:
let
  version = "0.1.0";
  toolchain = import ./toolchain.nix { inherit pkgs; };
  component = name: import ./component.nix { inherit pkgs src toolchain version; component = name; };
  tools = import ./image-tools.nix { inherit pkgs src toolchain version; };
  programs = {
    init = component "init";
    attestd = component "attestd";
    acmed = component "acmed";
    authd = component "authd";
  };
  image = import ./image.nix { inherit pkgs src toolchain tools programs epoch; };
in
{
  packages = programs // {
    common = component "common";
    # Runs outside the appliance (docs/traffic-cop.md), so not in `programs`,
    # which are the image's.
    trafficcop = component "trafficcop";
    image-tools = tools;
    inherit (image) initramfs uki disk-image gce-image;
  };

  devShell = pkgs.mkShell {
    packages = toolchain.all;
    shellHook = ''
      echo "appliance dev shell: cmake -S . -B build && cmake --build build -j && ctest --test-dir build -L unit"
    '';
  };

  # The unit tests, built and run by the same CMake/CTest as tests/run.sh.
  checks.unit = pkgs.stdenv.mkDerivation {
    pname = "appliance-unit-tests";
    inherit version src;
    nativeBuildInputs = toolchain.build ++ toolchain.peers;
    buildInputs = toolchain.libraries;
    doCheck = true;
    checkPhase = ''
      runHook preCheck
      ctest --output-on-failure -L unit -j$NIX_BUILD_CORES
      runHook postCheck
    '';
    installPhase = "touch $out";
  };

  # `nix run`: boots the disk image under QEMU + OVMF + swtpm (nix/scripts/run-qemu.sh).
  apps.run-local = {
    type = "app";
    program = toString (pkgs.writeShellScript "appliance-run-local" ''
      export PATH=${pkgs.lib.makeBinPath toolchain.all}:$PATH
      export OVMF_CODE=${pkgs.OVMF.fd}/FV/OVMF_CODE.fd OVMF_VARS=${pkgs.OVMF.fd}/FV/OVMF_VARS.fd
      exec ${pkgs.bash}/bin/bash ${src}/nix/scripts/run-qemu.sh \
        --disk=${image.disk-image}/disk.raw "$@"
    '');
  };
}
