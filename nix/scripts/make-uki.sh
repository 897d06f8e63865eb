#!/usr/bin/env bash
# Builds the Unified Kernel Image: systemd-stub with the sections it measures
# into PCR 11 (.linux .osrel .cmdline .initrd), placed with objcopy above the
# stub's own sections (the layout verified to boot under OVMF; see
# docs/image.md).
#
#   make-uki.sh --stub=FILE --kernel=FILE --initrd=FILE --osrel=FILE
#               --cmdline=FILE --epoch=SECONDS --output=FILE
set -euo pipefail
step_name=make-uki
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stub="" kernel="" initrd="" osrel="" cmdline="" epoch="" output=""
for arg in "$@"; do
  case "$arg" in
    --stub=*) stub=${arg#*=} ;;
    --kernel=*) kernel=${arg#*=} ;;
    --initrd=*) initrd=${arg#*=} ;;
    --osrel=*) osrel=${arg#*=} ;;
    --cmdline=*) cmdline=${arg#*=} ;;
    --epoch=*) epoch=${arg#*=} ;;
    --output=*) output=${arg#*=} ;;
    *) die "unknown argument $arg" ;;
  esac
done
tools=${IMAGE_TOOLS_DIR:?IMAGE_TOOLS_DIR must name the directory holding pe-stamp}
[[ "$epoch" =~ ^[0-9]+$ ]] || die "--epoch must be seconds since the epoch"
for file in "$stub" "$kernel" "$initrd" "$osrel" "$cmdline"; do
  [[ -f "$file" ]] || die "unable to read '$file': no such file"
done
# The stub hands .cmdline to the kernel as is: a trailing newline would end
# up in /proc/cmdline and in the PCR 9 measurement.
if [[ "$(tail -c 1 "$cmdline" | od -An -tx1 | tr -d ' ')" == 0a ]]; then
  die "$cmdline ends with a newline"
fi

# Section addresses: small sections in the stub's free space below 0x2000000
# (the stub ends below 0x20000), the kernel at 0x2000000, the initrd on the
# next MiB boundary after it.
stub_end=0
while read -r index _name size vma _rest; do
  [[ "$index" =~ ^[0-9]+$ ]] || continue
  ((0x$vma + 0x$size > stub_end)) && stub_end=$((0x$vma + 0x$size))
done < <(objdump -h "$stub")
((stub_end <= 0x20000)) || die "the stub's sections end at $stub_end, above .osrel at 0x20000"
(($(stat -c %s "$osrel") < 0x10000 && $(stat -c %s "$cmdline") < 0x10000)) ||
  die ".osrel and .cmdline must each be smaller than 64 KiB"
linux_vma=$((0x2000000))
kernel_size=$(stat -c %s "$kernel")
initrd_vma=$(((linux_vma + kernel_size + 0xfffff) & ~0xfffff))

objcopy \
  --add-section .osrel="$osrel" --change-section-vma .osrel=0x20000 \
  --add-section .cmdline="$cmdline" --change-section-vma .cmdline=0x30000 \
  --add-section .linux="$kernel" --change-section-vma .linux="$(printf '0x%x' "$linux_vma")" \
  --add-section .initrd="$initrd" --change-section-vma .initrd="$(printf '0x%x' "$initrd_vma")" \
  "$stub" "$output"
# objcopy stamps the PE header with the current time; pin it to the epoch.
"$tools/pe-stamp" --file="$output" --timestamp="$epoch"
