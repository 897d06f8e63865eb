# The stand-in nixpkgs (see flake.nix): `import nixpkgs { system = ...; }`
# gives every attribute the appliance's Nix files use, with the outputs,
# passthru and functions they rely on (glibc.static, OVMF.override and
# .fd/.firmware/.variables, python3.withPackages, linux_6_1.modDirVersion,
# ...). A name missing here is an evaluation error in the test, which is the
# point: the list is what the flake needs from nixpkgs. Derivations are real
# (they instantiate, so `nix flake check --no-build` sees their .drv), but
# their builder only fails: nothing here can be built.
#
# The attribute names were checked by hand against nixpkgs; see
# docs/image.md ("Nix") for which revision and when.
{ system ? "x86_64-linux", ... }@args:
let
  known = [ "system" "config" "overlays" ];
  unknown = builtins.filter (name: !(builtins.elem name known)) (builtins.attrNames args);

  # Attribute values a derivation can carry; others (functions, attrsets)
  # stay out, as mkDerivation keeps passthru out of the derivation.
  storable = value:
    let type = builtins.typeOf value; in
    builtins.elem type [ "string" "path" "bool" "int" "null" ]
    || (type == "list" && builtins.all storable value)
    || (type == "set" && value ? outPath);

  drv = { name, outputs ? [ "out" ], extra ? { } }:
    derivation ({
      inherit name system outputs;
      builder = "/bin/sh";
      args = [ "-c" "echo 'stand-in nixpkgs: ${name} cannot be built' >&2; exit 1" ];
    } // extra);

  mkDerivation = attrs:
    let
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      kept = builtins.removeAttrs attrs [ "name" "outputs" "passthru" "meta" ];
      extra = builtins.listToAttrs (builtins.filter (a: a != null) (map
        (key:
          let value = kept.${key}; in
          if storable value then { name = key; inherit value; }
          else if builtins.typeOf value == "set" && !(value ? outPath) then null
          else throw "stand-in mkDerivation ${name}: attribute ${key} is a ${builtins.typeOf value}")
        (builtins.attrNames kept)));
      base = drv { inherit name extra; outputs = attrs.outputs or [ "out" ]; };
    in
    base // (attrs.passthru or { });

  pkg = name: drv { inherit name; };
  multi = name: outputs: drv { inherit name outputs; };

  pythonPackages = {
    authlib = pkg "python3-authlib";
    requests = pkg "python3-requests";
    pyjwt = pkg "python3-pyjwt";
    cryptography = pkg "python3-cryptography";
  };

  ovmf = { tpmSupport ? false, secureBoot ? false, httpSupport ? false, tlsSupport ? false
         , debug ? false, fdSize2MB ? false, fdSize4MB ? secureBoot, msVarsTemplate ? false }:
    let
      base = multi "OVMF${if tpmSupport then "-tpm" else ""}" [ "out" "fd" ];
    in
    base // {
      firmware = "${base.fd}/FV/OVMF_CODE.fd";
      variables = "${base.fd}/FV/OVMF_VARS.fd";
      override = newArgs: ovmf ({ inherit tpmSupport secureBoot httpSupport tlsSupport debug fdSize2MB msVarsTemplate; } // newArgs);
    };

  linux = version: pkg "linux-${version}" // { modDirVersion = version; inherit version; };

  lib = rec {
    concatStringsSep = builtins.concatStringsSep;
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    makeBinPath = packages: concatMapStringsSep ":" (p: "${p}/bin") packages;
    makeLibraryPath = packages: concatMapStringsSep ":" (p: "${p}/lib") packages;
    optional = cond: value: if cond then [ value ] else [ ];
    optionals = cond: values: if cond then values else [ ];
    getOutput = output: pkg: pkg.${output} or pkg;
    getDev = getOutput "dev";
    makeSearchPathOutput = output: subDir: packages:
      concatMapStringsSep ":" (p: "${getOutput output p}/${subDir}") packages;
    attrNames = builtins.attrNames;
    mapAttrs = builtins.mapAttrs;
  };

  packages = {
    inherit lib;
    stdenv = { inherit mkDerivation system; cc = pkg "gcc-wrapper"; };
    mkShell = attrs: mkDerivation ({ name = attrs.name or "nix-shell"; }
      // builtins.removeAttrs attrs [ "packages" "inputsFrom" "shellHook" ]
      // { nativeBuildInputs = (attrs.packages or [ ]) ++ (attrs.nativeBuildInputs or [ ]);
           shellHook = attrs.shellHook or ""; });
    runCommand = name: env: script: mkDerivation (env // { inherit name; buildCommand = script; });
    writeShellScript = name: text: drv { inherit name; extra = { inherit text; }; };

    glibc = multi "glibc" [ "out" "bin" "dev" "static" ];
    # libraries with a separate dev output (.pc files, headers)
    boost = multi "boost" [ "out" "dev" ];
    openssl = multi "openssl" [ "bin" "out" "dev" ];
    curl = multi "curl" [ "bin" "out" "dev" ];
    tpm2-tss = multi "tpm2-tss" [ "out" "dev" ];
    libnl = multi "libnl" [ "bin" "out" "dev" ];
    OVMF = ovmf { };
    linux_6_1 = linux "6.1.0-stub";
    systemd = pkg "systemd";
    python3 = pkg "python3" // {
      withPackages = select: pkg "python3-with-${concatNames (select pythonPackages)}";
      pkgs = pythonPackages;
    };
    python3Packages = pythonPackages;
    llvmPackages_16 = {
      clang = pkg "clang-16";
      compiler-rt = pkg "compiler-rt-16";
    };
  } // builtins.listToAttrs (map (name: { inherit name; value = pkg name; }) [
    # libraries
    "nlohmann_json" "httplib" "gtest"
    # build
    "cmake" "pkg-config" "git" "clang-tools"
    # image
    "binutils" "zstd" "xz" "dosfstools" "mtools" "gptfdisk" "util-linux" "gnutar" "gzip"
    "coreutils" "gawk" "gnused" "gnugrep" "findutils" "file" "bash" "cacert"
    # peers
    "swtpm" "tpm2-tools" "pebble" "netcat-openbsd" "qemu_kvm" "osslsigncode" "xxd" "cpio"
    "wrk" "nginx" "valgrind" "iproute2" "iputils" "dnsmasq" "nix"
  ]);

  concatNames = list: builtins.concatStringsSep "-" (map (p: p.name) list);
in
if unknown != [ ] then throw "stand-in nixpkgs: unknown arguments ${toString unknown}"
else packages
