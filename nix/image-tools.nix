# The image tools (cpio-pack, image-measure, pe-stamp, pe-authenticode) from
# nix/CMakeLists.txt, built without any appliance component.
{ pkgs, src, toolchain, version }:
pkgs.stdenv.mkDerivation {
  pname = "appliance-image-tools";
  inherit version src;
  nativeBuildInputs = toolchain.build;
  buildInputs = toolchain.libraries;
  # As component.nix: the build type of the CMake path, warnings not errors.
  cmakeBuildType = "RelWithDebInfo";
  cmakeFlags = [ "-DAPPLIANCE_COMPONENTS=" "-DAPPLIANCE_BUILD_TESTS=OFF" "-DAPPLIANCE_WERROR=OFF" ];
  buildPhase = ''
    runHook preBuild
    cmake --build . -j$NIX_BUILD_CORES --target cpio-pack image-measure pe-stamp pe-authenticode
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    mkdir -p $out/bin
    cp tools/cpio-pack tools/image-measure tools/pe-stamp tools/pe-authenticode $out/bin/
    runHook postInstall
  '';
}
