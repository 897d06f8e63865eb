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
    egressd = component "egressd";
    acmed = component "acmed";
    authd = component "authd";
  };
  image = import ./image.nix { inherit pkgs src toolchain tools programs epoch; };
in
{
  packages = programs // {
    common = component "common";
    # The operator's verifier (docs/attestation.md): a target of the attestd
    # component, run outside the appliance.
    attest-verify = import ./component.nix {
      inherit pkgs src toolchain version;
      component = "attestd";
      target = "attest-verify";
    };
    # Runs outside the appliance (docs/traffic-cop.md), so not in `programs`,
    # which are the image's.
    trafficcop = component "trafficcop";
    image-tools = tools;
    inherit (image) initramfs uki disk-image gce-image;
  };

  # `nix develop`: the toolchain, and the image step pointed at nixpkgs'
  # kernel, stub and OVMF (toolchain.imageEnv), so that
  # `cmake -S . -B build && cmake --build build && cmake --build build --target image`
  # works here as on Debian.
  # Libraries go in buildInputs, not packages (nativeBuildInputs): only for
  # those do the pkg-config and CMake setup hooks add the search paths.
  devShell = pkgs.mkShell (toolchain.imageEnv // {
    packages = toolchain.build ++ toolchain.image ++ toolchain.peers;
    buildInputs = toolchain.libraries ++ toolchain.static;
    shellHook = ''
      echo "appliance dev shell: cmake -S . -B build && cmake --build build -j && ctest --test-dir build -L unit"
    '';
  });

  # The unit tests, built and run by the same CMake/CTest as tests/run.sh
  # (image_pcr_probe, linked -static, needs toolchain.static).
  checks.unit = pkgs.stdenv.mkDerivation {
    pname = "appliance-unit-tests";
    inherit version src;
    nativeBuildInputs = toolchain.build ++ toolchain.peers;
    buildInputs = toolchain.libraries ++ toolchain.static;
    cmakeBuildType = "RelWithDebInfo";
    cmakeFlags = [ "-DAPPLIANCE_WERROR=OFF" ];
    doCheck = true;
    checkPhase = ''
      runHook preCheck
      ctest --output-on-failure -L unit -j$NIX_BUILD_CORES
      runHook postCheck
    '';
    installPhase = "touch $out";
  };

  # `nix run`: boots the disk image under QEMU + OVMF (with TPM support) +
  # swtpm (nix/scripts/run-qemu.sh).
  apps.run-local = {
    type = "app";
    program = toString (pkgs.writeShellScript "appliance-run-local" ''
      export PATH=${pkgs.lib.makeBinPath toolchain.all}:$PATH
      export OVMF_CODE=${toolchain.ovmf.firmware} OVMF_VARS=${toolchain.ovmf.variables}
      exec ${pkgs.bash}/bin/bash ${src}/nix/scripts/run-qemu.sh \
        --disk=${image.disk-image}/disk.raw "$@"
    '');
  };

  # For tests/image/nix-flake-eval.sh: the Debian-to-nixpkgs map.
  inherit toolchain;
}
