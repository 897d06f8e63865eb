# The toolchain, once: the dev shell (flake.nix), Project IDX (.idx/dev.nix)
# and the package derivations all take their tools from here, so the three
# environments cannot drift apart. nixpkgs equivalents of nix/deps-debian.txt.
{ pkgs }:
rec {
  # What the C++ components link against.
  libraries = with pkgs; [
    boost
    openssl
    curl
    nlohmann_json
    tpm2-tss
    httplib
    libnl
    gtest
  ];

  # What builds them.
  build = with pkgs; [
    cmake
    pkg-config
    git
    clang-tools # clang-format, clang-tidy
  ];

  # What the image step runs (nix/scripts).
  image = with pkgs; [
    binutils # readelf, objcopy, objdump, strip
    zstd
    dosfstools
    mtools
    gptfdisk # sgdisk
    gnutar
    gzip
    coreutils
    gawk
    gnused
    gnugrep
    findutils
    file
  ];

  # What the tests and the local run talk to.
  peers = with pkgs; [
    openssl
    swtpm
    tpm2-tools
    pebble
    curl
    netcat-openbsd
    cacert
    qemu_kvm
    OVMF
    osslsigncode
    # The OIDC relying-party conformance test (tests/authd/oidc_rp_conformance.py).
    (python3.withPackages (ps: [ ps.authlib ps.requests ]))
    xxd
    cpio
    wrk
  ];

  all = build ++ libraries ++ image ++ peers;
}
