# One component (common, init, attestd, egressd, acmed, authd, trafficcop) built by
# the same CMake targets as `cmake --build`, narrowed with
# APPLIANCE_COMPONENTS exactly as a developer would. `common` is a static
# library (headers + libcommon.a); the others are programs installed as
# $out/bin/<target> (target defaults to the component's name; attest-verify
# is a target of the attestd component).
#
# Build type RelWithDebInfo (-O2 -g), as on the CMake path (the image strips
# the debug info): nixpkgs' CMake hook would otherwise build Release (-O3).
# APPLIANCE_WERROR=OFF: nixpkgs' compiler is not the g++ 12 that CI holds
# warning-free, and a new warning must not stop a user's rebuild.
{ pkgs, src, toolchain, component, version, target ? component }:
pkgs.stdenv.mkDerivation {
  pname = "appliance-${target}";
  inherit version src;
  nativeBuildInputs = toolchain.build;
  buildInputs = toolchain.libraries;
  cmakeBuildType = "RelWithDebInfo";
  cmakeFlags = [
    "-DAPPLIANCE_COMPONENTS=${if component == "common" then "common" else "common;${component}"}"
    "-DAPPLIANCE_BUILD_TESTS=OFF"
    "-DAPPLIANCE_WERROR=OFF"
  ];
  buildPhase = ''
    runHook preBuild
    cmake --build . -j$NIX_BUILD_CORES --target ${target}
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
  '' + (if component == "common" then ''
    mkdir -p $out/lib $out/include
    cp common/libcommon.a $out/lib/
    cp -r $src/common/include/common $out/include/
  '' else ''
    install -D -m 0755 bin/${target} $out/bin/${target}
  '') + ''
    runHook postInstall
  '';
  # The image strips debug info itself; keep the binaries as CMake made them.
  dontStrip = true;
}
