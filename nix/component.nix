# One component (common, init, attestd, acmed, authd, trafficcop) built by
# the same CMake targets as `cmake --build`, narrowed with
# APPLIANCE_COMPONENTS exactly as a developer would. `common` is a static
# library (headers + libcommon.a); the others are programs installed as
# $out/bin/<name>.
{ pkgs, src, toolchain, component, version }:
pkgs.stdenv.mkDerivation {
  pname = "appliance-${component}";
  inherit version src;
  nativeBuildInputs = toolchain.build;
  buildInputs = toolchain.libraries;
  cmakeFlags = [
    "-DAPPLIANCE_COMPONENTS=${if component == "common" then "common" else "common;${component}"}"
    "-DAPPLIANCE_BUILD_TESTS=OFF"
    "-DCMAKE_BUILD_TYPE=RelWithDebInfo"
  ];
  buildPhase = ''
    runHook preBuild
    cmake --build . -j$NIX_BUILD_CORES --target ${component}
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
  '' + (if component == "common" then ''
    mkdir -p $out/lib $out/include
    cp common/libcommon.a $out/lib/
    cp -r $src/common/include/common $out/include/
  '' else ''
    install -D -m 0755 bin/${component} $out/bin/${component}
  '') + ''
    runHook postInstall
  '';
  # The image strips debug info itself; keep the binaries as CMake made them.
  dontStrip = true;
}
