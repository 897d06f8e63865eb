# The toolchain, once: the dev shell (flake.nix), Project IDX (.idx/dev.nix)
# and the package derivations all take their tools from here, so the three
# environments cannot drift apart. nixpkgs equivalents of nix/deps-debian.txt
# (`debian` below maps each Debian package to them; the test
# image_nix_flake_eval checks that every package of deps-debian.txt is mapped
# and that everything mapped is in `all`).
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

  # libc.a: tests/image's image_pcr_probe is linked -static (it is a whole
  # initramfs on its own); nixpkgs keeps libc.a in glibc's `static` output.
  static = [ pkgs.glibc.static ];

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
    xz
    dosfstools
    mtools
    gptfdisk # sgdisk
    util-linux # sfdisk, fdisk
    gnutar
    gzip
    coreutils
    gawk
    gnused
    gnugrep
    findutils
    file
  ];

  # OVMF with the TPM 2.0 driver: nixpkgs' default OVMF has tpmSupport =
  # false, and without it the firmware measures nothing (no PCR 4, 9, 11).
  # Not secureBoot, which would also require SMM and a secure flash in QEMU.
  ovmf = pkgs.OVMF.override { tpmSupport = true; };

  # The kernel and systemd-stub of the Nix path (Debian's cloud kernel and
  # stub 252 on the CMake path; see docs/image.md).
  kernel = pkgs.linux_6_1;
  stub = "${pkgs.systemd}/lib/systemd/boot/efi/linuxx64.efi.stub";

  python = pkgs.python3.withPackages (ps: [
    ps.pyjwt # tests/authd/verify_id_token.py
    ps.cryptography
    ps.authlib # tests/authd/oidc_rp_conformance.py
    ps.requests
  ]);

  # What the tests and the local run talk to.
  peers = with pkgs; [
    openssl
    swtpm
    tpm2-tools
    pebble
    curl
    netcat-openbsd
    iproute2 # ip: network namespaces of the DHCP and end-to-end tests
    iputils # ping
    dnsmasq
    cacert
    qemu_kvm
    ovmf.fd
    systemd # systemd-measure (tests/image) and the stub
    osslsigncode
    python
    xxd
    cpio
    wrk
    nginx
    valgrind
    nix
  ];

  # The fuzz build (tests/fuzz, docs/fuzzing.md): clang with libFuzzer and
  # the sanitizers' runtimes; clang 16, as Debian 12's clang-14 cannot compile
  # libstdc++ 12's <expected>.
  fuzz = [ pkgs.llvmPackages_16.clang pkgs.llvmPackages_16.compiler-rt ];

  all = build ++ libraries ++ static ++ image ++ peers ++ fuzz;

  # What an environment has without listing it: the compiler comes with
  # stdenv (mkShell, mkDerivation), the kernel is data named by imageEnv.
  provided = [ pkgs.stdenv.cc kernel ];

  # The image step's inputs as build-image.sh reads them from the environment
  # (nix/scripts/build-image.sh), and run-qemu.sh's firmware: the dev shell
  # and .idx/dev.nix export these, so that `cmake --build build --target
  # image` and nix/scripts/run-qemu.sh use nixpkgs' kernel, stub and OVMF.
  imageEnv = {
    IMAGE_KERNEL = "${kernel}/bzImage";
    IMAGE_KERNEL_RELEASE = kernel.modDirVersion;
    IMAGE_MODULES_DIR = "${kernel}/lib/modules/${kernel.modDirVersion}";
    IMAGE_EFI_STUB = stub;
    IMAGE_CA_BUNDLE = "${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt";
    IMAGE_LIBRARY_PATH = "${pkgs.glibc}/lib";
    OVMF_CODE = ovmf.firmware;
    OVMF_VARS = ovmf.variables;
    SYSTEMD_MEASURE = "${pkgs.systemd}/lib/systemd/systemd-measure";
  };

  # Where pkg-config and CMake find the libraries when no setup hook runs
  # (.idx/dev.nix installs packages into a profile; mkShell instead runs the
  # pkg-config and CMake hooks for its buildInputs). Multi-output packages
  # keep .pc files and CMake packages in their dev output.
  searchEnv = {
    PKG_CONFIG_PATH = pkgs.lib.concatStringsSep ":" [
      (pkgs.lib.makeSearchPathOutput "dev" "lib/pkgconfig" (libraries ++ static))
      (pkgs.lib.makeSearchPathOutput "dev" "share/pkgconfig" libraries)
    ];
    CMAKE_PREFIX_PATH = pkgs.lib.concatMapStringsSep ":" (p: "${pkgs.lib.getDev p}") libraries;
  };

  # Each package of nix/deps-debian.txt and what stands for it here.
  debian = with pkgs; {
    build-essential = [ stdenv.cc ];
    cmake = [ cmake ];
    pkg-config = [ pkg-config ];
    git = [ git ];
    libboost-dev = [ boost ];
    libcpp-httplib-dev = [ httplib ];
    libssl-dev = [ openssl ];
    libcurl4-openssl-dev = [ curl ];
    nlohmann-json3-dev = [ nlohmann_json ];
    libtss2-dev = [ tpm2-tss ];
    libnl-3-dev = [ libnl ];
    libnl-route-3-dev = [ libnl ];
    googletest = [ gtest ];
    libgtest-dev = [ gtest ];
    clang-format = [ clang-tools ];
    clang-tidy = [ clang-tools ];
    openssl = [ openssl ];
    swtpm = [ swtpm ];
    swtpm-tools = [ swtpm ];
    tpm2-tools = [ tpm2-tools ];
    pebble = [ pebble ];
    curl = [ curl ];
    netcat-openbsd = [ netcat-openbsd ];
    iproute2 = [ iproute2 ];
    iputils-ping = [ iputils ];
    dnsmasq-base = [ dnsmasq ];
    ca-certificates = [ cacert ];
    python3-jwt = [ python ];
    python3-cryptography = [ python ];
    python3-authlib = [ python ];
    python3-requests = [ python ];
    linux-image-cloud-amd64 = [ kernel ];
    systemd-boot-efi = [ systemd ];
    systemd = [ systemd ];
    binutils = [ binutils ];
    cpio = [ cpio ];
    zstd = [ zstd ];
    xz-utils = [ xz ];
    dosfstools = [ dosfstools ];
    mtools = [ mtools ];
    gdisk = [ gptfdisk ];
    fdisk = [ util-linux ];
    nix-bin = [ nix ];
    qemu-system-x86 = [ qemu_kvm ];
    ovmf = [ ovmf.fd ];
    wrk = [ wrk ];
    nginx-light = [ nginx ];
    valgrind = [ valgrind ];
    osslsigncode = [ osslsigncode ];
    xxd = [ xxd ];
    python3 = [ python ];
    clang-16 = [ pkgs.llvmPackages_16.clang ];
    libclang-rt-16-dev = [ pkgs.llvmPackages_16.compiler-rt ];
  };
}
