#!/usr/bin/env bash
# Builds the Unified Kernel Image: systemd-stub with the sections it measures
# into PCR 11 (.linux .osrel .cmdline .initrd, besides the stub's own
# sections such as .sbat), placed with objcopy after the stub's own sections
# as ukify places them (see docs/image.md).
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

# Section addresses, as ukify lays them out: each added section starts after
# the stub's last section (or the previous added one), rounded up to the
# stub's SectionAlignment; the kernel goes last. This holds for stubs based
# at 0 (systemd <= 253, Debian 12's 252) and for stubs built by elf2efi with
# an image base above 4 GiB (systemd >= 254, nixpkgs'): objcopy takes
# absolute addresses, ImageBase + RVA.
image_base="" alignment=""
while read -r key value _rest; do
  case "$key" in
    ImageBase) image_base=$((0x$value)) ;;
    SectionAlignment) alignment=$((0x$value)) ;;
  esac
done < <(objdump -p "$stub")
[[ -n "$image_base" && -n "$alignment" ]] || die "unable to read ImageBase and SectionAlignment of $stub"
((alignment > 0 && (alignment & (alignment - 1)) == 0)) || die "$stub: SectionAlignment $alignment is not a power of two"
next_rva=0
while read -r index name size vma _rest; do
  [[ "$index" =~ ^[0-9]+$ ]] || continue
  case "$name" in .osrel | .cmdline | .initrd | .linux) die "$stub already has a $name section" ;; esac
  end=$((0x$vma - image_base + 0x$size))
  if ((end > next_rva)); then next_rva=$end; fi
done < <(objdump -h "$stub")
((next_rva > 0)) || die "$stub has no sections"
align_up() { echo $((($1 + alignment - 1) & ~(alignment - 1))); }

objcopy_args=()
for spec in ".osrel=$osrel" ".cmdline=$cmdline" ".initrd=$initrd" ".linux=$kernel"; do
  name=${spec%%=*} file=${spec#*=}
  next_rva=$(align_up "$next_rva")
  objcopy_args+=(--add-section "$name=$file" --change-section-vma "$name=$(printf '0x%x' $((image_base + next_rva)))")
  next_rva=$((next_rva + $(stat -c %s "$file")))
done

objcopy "${objcopy_args[@]}" "$stub" "$output"
# objcopy stamps the PE header with the current time; pin it to the epoch.
"$tools/pe-stamp" --file="$output" --timestamp="$epoch"
