#!/usr/bin/env bash
# The image step, end to end: closure -> rootfs -> initramfs -> UKI ->
# disk.raw -> image.tar.gz -> measurements.json and the size report. CMake's
# `image` target and the flake's derivations both run this (or its steps).
#
#   build-image.sh --source=REPO --output=DIR [--program=NAME=PATH]...
#
# NAME is init, attestd, egressd, acmed or authd; each given program goes in, with
# exactly its shared-library closure. Inputs from the environment:
#   SOURCE_DATE_EPOCH   every timestamp (default: the last commit's time)
#   IMAGE_TOOLS_DIR     directory with cpio-pack and image-measure (required)
#   IMAGE_KERNEL        kernel (default: newest /boot/vmlinuz-*-cloud-amd64)
#   IMAGE_KERNEL_RELEASE, IMAGE_MODULES_DIR  (default: from IMAGE_KERNEL's name)
#   IMAGE_EFI_STUB      systemd-stub (default: Debian's linuxx64.efi.stub)
#   IMAGE_CA_BUNDLE     (default: /etc/ssl/certs/ca-certificates.crt)
#   IMAGE_DISK_GIB      disk size (default 1)
#   IMAGE_LIBRARY_PATH  extra library directories (see elf-closure.sh)
set -euo pipefail
step_name=build-image
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$scripts/lib.sh"

source_dir="" output=""
programs=()
for arg in "$@"; do
  case "$arg" in
    --source=*) source_dir=$(cd "${arg#*=}" && pwd) ;;
    --output=*) output=${arg#*=} ;;
    --program=*) programs+=("${arg#*=}") ;;
    *) die "unknown argument $arg" ;;
  esac
done
[[ -n "$source_dir" && -n "$output" ]] || die "usage: build-image.sh --source=REPO --output=DIR [--program=NAME=PATH]..."
: "${IMAGE_TOOLS_DIR:?IMAGE_TOOLS_DIR must name the directory holding cpio-pack and image-measure}"

epoch=${SOURCE_DATE_EPOCH:-}
if [[ -z "$epoch" ]]; then
  epoch=$(git -C "$source_dir" log -1 --format=%ct 2>/dev/null) ||
    die "SOURCE_DATE_EPOCH is unset and $source_dir is not a git checkout"
fi
[[ "$epoch" =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be seconds since the epoch, got '$epoch'"

kernel=${IMAGE_KERNEL:-$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)}
[[ -f "$kernel" ]] || die "unable to find a kernel (install linux-image-cloud-amd64 or set IMAGE_KERNEL)"
kver=${IMAGE_KERNEL_RELEASE:-$(basename "$kernel" | sed 's/^vmlinuz-//')}
modules_dir=${IMAGE_MODULES_DIR:-/lib/modules/$kver}
stub=${IMAGE_EFI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
ca_bundle=${IMAGE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -f "$stub" ]] || die "unable to find systemd-stub at $stub (install systemd-boot-efi)"

mkdir -p "$output"
output=$(cd "$output" && pwd)
work="$output/work"
rm -rf "$work"
mkdir -p "$work"
program_paths=()
names=()
for spec in "${programs[@]}"; do
  program_paths+=("${spec#*=}")
  names+=("${spec%%=*}")
done
[[ " ${names[*]} " == *" init "* ]] || note "no init program given: this image cannot boot to a service"

note "closure of ${names[*]:-no programs}"
if ((${#program_paths[@]})); then
  "$scripts/elf-closure.sh" --dlopen="$source_dir/nix/image/dlopen.conf" "${program_paths[@]}" >"$work/closure"
else
  : >"$work/closure"
fi

note "rootfs for kernel $kver"
"$scripts/make-rootfs.sh" --source="$source_dir" --staging="$work/rootfs" \
  --manifest="$output/initramfs.manifest" --closure="$work/closure" \
  --kernel-release="$kver" --modules-dir="$modules_dir" --ca-bundle="$ca_bundle" \
  "${programs[@]/#/--program=}"

note "initramfs"
"$scripts/make-initramfs.sh" --manifest="$output/initramfs.manifest" --staging="$work/rootfs" \
  --epoch="$epoch" --output="$work/initramfs.cpio.zst" --listing="$output/initramfs.list"
mv "$work/initramfs.cpio.zst" "$output/initramfs.cpio.zst"

note "UKI"
tr -d '\n' <"$source_dir/nix/image/cmdline" >"$work/cmdline"
"$scripts/make-uki.sh" --stub="$stub" --kernel="$kernel" --initrd="$output/initramfs.cpio.zst" \
  --osrel="$source_dir/nix/image/os-release" --cmdline="$work/cmdline" --epoch="$epoch" \
  --output="$output/uki.efi"

note "disk.raw and image.tar.gz"
"$scripts/make-disk.sh" --uki="$output/uki.efi" --epoch="$epoch" --output="$output/disk.raw" \
  --size-gib="${IMAGE_DISK_GIB:-1}"
"$scripts/make-gce-tar.sh" --disk="$output/disk.raw" --epoch="$epoch" --output="$output/image.tar.gz"

note "measurements"
"$IMAGE_TOOLS_DIR/image-measure" --uki="$output/uki.efi" \
  --artefact=initramfs.cpio.zst="$output/initramfs.cpio.zst" \
  --artefact=initramfs.list="$output/initramfs.list" \
  --artefact=uki.efi="$output/uki.efi" \
  --artefact=disk.raw="$output/disk.raw" \
  --artefact=image.tar.gz="$output/image.tar.gz" \
  --info=source_date_epoch="$epoch" --info=kernel_release="$kver" \
  --info=programs="$(printf '%s\n' "${names[@]}" | sort | tr '\n' ' ' | sed 's/ $//')" \
  --output="$output/measurements.json"
"$scripts/size-report.sh" --dir="$output" --cpio="$work/initramfs.cpio" >"$output/size-report.txt"
note "done: $output"
