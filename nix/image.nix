# The boot artefact as Nix derivations, each one step of nix/scripts (the
# same scripts CMake's `image` target runs):
#   initramfs  = elf-closure.sh + make-rootfs.sh + make-initramfs.sh
#   uki        = make-uki.sh (systemd-stub from nixpkgs' systemd)
#   disk-image = make-disk.sh
#   gce-image  = make-gce-tar.sh + image-measure + size-report.sh
# The kernel is nixpkgs' linux_6_1 and the stub nixpkgs' systemd's (both from
# nix/toolchain.nix; Debian's cloud kernel and stub 252 on the CMake path),
# so the two paths give different, each reproducible, measurements.
{ pkgs, src, toolchain, tools, programs, epoch }:
let
  inherit (toolchain) kernel stub;
  kver = kernel.modDirVersion;
  scripts = "${src}/nix/scripts";
  programArgs = pkgs.lib.concatMapStringsSep " "
    (name: "--program=${name}=${programs.${name}}/bin/${name}")
    (builtins.attrNames programs);
  step = name: script: pkgs.runCommand name
    {
      nativeBuildInputs = toolchain.image ++ [ pkgs.bash ];
      SOURCE_DATE_EPOCH = toString epoch;
      IMAGE_TOOLS_DIR = "${tools}/bin";
      # Libraries of the programs' closure live in the store, found through
      # their RUNPATH; glibc's directory is listed for the loader's own needs.
      IMAGE_LIBRARY_PATH = "${pkgs.glibc}/lib";
    }
    script;
in
rec {
  inherit kernel;

  initramfs = step "appliance-initramfs" ''
    mkdir -p $out work
    bash ${scripts}/elf-closure.sh --dlopen=${src}/nix/image/dlopen.conf \
      ${pkgs.lib.concatMapStringsSep " " (name: "${programs.${name}}/bin/${name}") (builtins.attrNames programs)} \
      > work/closure
    bash ${scripts}/make-rootfs.sh --source=${src} --staging=work/rootfs \
      --manifest=$out/initramfs.manifest --closure=work/closure \
      --kernel-release=${kver} --modules-dir=${kernel}/lib/modules/${kver} \
      --ca-bundle=${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt ${programArgs}
    bash ${scripts}/make-initramfs.sh --manifest=$out/initramfs.manifest --staging=work/rootfs \
      --epoch=$SOURCE_DATE_EPOCH --output=$out/initramfs.cpio.zst --listing=$out/initramfs.list
    mv $out/initramfs.cpio work/initramfs.cpio
  '';

  uki = step "appliance-uki" ''
    mkdir -p $out
    tr -d '\n' < ${src}/nix/image/cmdline > cmdline
    bash ${scripts}/make-uki.sh --stub=${stub} --kernel=${kernel}/bzImage \
      --initrd=${initramfs}/initramfs.cpio.zst --osrel=${src}/nix/image/os-release \
      --cmdline=cmdline --epoch=$SOURCE_DATE_EPOCH --output=$out/uki.efi
  '';

  disk-image = step "appliance-disk-image" ''
    mkdir -p $out
    bash ${scripts}/make-disk.sh --uki=${uki}/uki.efi --epoch=$SOURCE_DATE_EPOCH \
      --output=$out/disk.raw
  '';

  gce-image = step "appliance-gce-image" ''
    mkdir -p $out
    bash ${scripts}/make-gce-tar.sh --disk=${disk-image}/disk.raw --epoch=$SOURCE_DATE_EPOCH \
      --output=$out/image.tar.gz
    ln -s ${initramfs}/initramfs.cpio.zst ${initramfs}/initramfs.list ${uki}/uki.efi \
      ${disk-image}/disk.raw $out/
    $IMAGE_TOOLS_DIR/image-measure --uki=${uki}/uki.efi \
      --artefact=initramfs.cpio.zst=${initramfs}/initramfs.cpio.zst \
      --artefact=initramfs.list=${initramfs}/initramfs.list \
      --artefact=uki.efi=${uki}/uki.efi \
      --artefact=disk.raw=${disk-image}/disk.raw \
      --artefact=image.tar.gz=$out/image.tar.gz \
      --info=source_date_epoch=$SOURCE_DATE_EPOCH --info=kernel_release=${kver} \
      --info=programs="${pkgs.lib.concatStringsSep " " (builtins.attrNames programs)}" \
      --output=$out/measurements.json
  '';
}
