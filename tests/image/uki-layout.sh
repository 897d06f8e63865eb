#!/usr/bin/env bash
# UKI assembly and PCR 11 prediction for both kinds of systemd-stub:
# - a stub PE built here the way elf2efi builds systemd >= 254's: image base
#   above 4 GiB, 4 KiB section alignment, an .sbat section, and .sdmagic
#   saying systemd-stub 256. make-uki.sh must place .osrel, .cmdline, .initrd
#   and .linux after the stub's last section at its alignment (as ukify
#   does), and image-measure must predict PCR 11 over the five sections
#   systemd 256 measures (.linux .osrel .cmdline .initrd .sbat);
# - Debian's stub (systemd 252), which measures the four only.
# PCR 11 is checked against systemd-measure for the sections it knows (Debian
# 12's knows no .sbat: its value is extended here with .sbat's two events).
#
#   uki-layout.sh --source=REPO --work=DIR   (IMAGE_TOOLS_DIR in the environment)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$work/image_uki_layout"
rm -rf "$dir"
mkdir -p "$dir"
measure=${SYSTEMD_MEASURE:-/usr/lib/systemd/systemd-measure}
debian_stub=${DEBIAN_EFI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
base=$((0x140000000)) # 5 GiB

# tiny_pe OUT IMAGE_BASE [EXTRA_ASM]: an EFI application from assembly.
tiny_pe() {
  local out=$1 image_base=$2 extra=${3:-}
  printf '  .text\n  .globl efi_main\nefi_main:\n  xorl %%eax, %%eax\n  ret\n%s\n' "$extra" >"$out.S"
  as --64 -o "$out.o" "$out.S"
  objcopy -O pe-x86-64 "$out.o" "$out.obj"
  ld -m i386pep --no-insert-timestamp --subsystem 10 --image-base "$image_base" --section-alignment 0x1000 \
    --file-alignment 0x200 -e efi_main -o "$out" "$out.obj"
}
sbat_text='sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md
systemd-stub,1,test stub,systemd,256,https://systemd.io/'
tiny_pe "$dir/stub.efi" "$base" "  .section .sbat,\"a\"
  .ascii \"${sbat_text//$'\n'/\\n}\\n\"
  .section .sdmagic,\"a\"
  .asciz \"#### LoaderInfo: systemd-stub 256.8 ####\""
# A stand-in kernel (image-measure takes its Authenticode hash, so a PE).
tiny_pe "$dir/kernel.efi" 0x10000000 "  .data
  .fill 300000, 1, 0x4b"
head -c 700000 /dev/zero | tr '\0' 'I' >"$dir/initrd"
printf 'console=ttyS0,38400n8 panic=-1' >"$dir/cmdline"
osrel="$source_dir/nix/image/os-release"
printf '%s\n' "$sbat_text" >"$dir/sbat"
objdump -p "$dir/stub.efi" | grep -q 'ImageBase.*0000000140000000' || fail "the test stub's image base is not 0x140000000"

uki() { # uki STUB OUT
  bash "$source_dir/nix/scripts/make-uki.sh" --stub="$1" --kernel="$dir/kernel.efi" --initrd="$dir/initrd" \
    --osrel="$osrel" --cmdline="$dir/cmdline" --epoch=1700000000 --output="$2"
}
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split('/'): d=d[int(k)] if isinstance(d, list) else d[k]
print(d if not isinstance(d, list) else ' '.join(d))" "$1" "$2"; }
sha() { openssl dgst -sha256 -r | cut -d' ' -f1; }
extend() { { printf '%s' "$1$2" | xxd -r -p; } | sha; }
systemd_measure() {
  "$measure" calculate --linux="$dir/kernel.efi" --osrel="$osrel" --cmdline="$dir/cmdline" \
    --initrd="$dir/initrd" --phase= --bank=sha256 --json=short |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"][0]["hash"])'
}

# --- the high-based stub
if uki "$dir/stub.efi" "$dir/uki.efi" 2>"$dir/uki.log"; then
  pass "make-uki.sh assembles a UKI from a stub based at 5 GiB"
  uki "$dir/stub.efi" "$dir/uki2.efi"
  cmp -s "$dir/uki.efi" "$dir/uki2.efi" && pass "two assemblies are byte-identical" || fail "two assemblies differ"
  # Layout: after the stub's last section, each at 0x1000, in ukify's order.
  expected_rva=0
  while read -r _index name size vma _rest; do
    rva=$((0x$vma - base))
    case "$name" in
      .osrel | .cmdline | .initrd | .linux)
        want=$(((expected_rva + 0xfff) & ~0xfff))
        ((rva == want)) && pass "$name at RVA $(printf '0x%x' "$rva")" ||
          fail "$name at RVA $(printf '0x%x' "$rva"), want $(printf '0x%x' "$want")"
        objcopy -O binary --only-section="$name" "$dir/uki.efi" "$dir/section"
        case "$name" in .osrel) src=$osrel ;; .cmdline) src=$dir/cmdline ;; .initrd) src=$dir/initrd ;; .linux) src=$dir/kernel.efi ;; esac
        cmp -s <(head -c "$(stat -c %s "$src")" "$dir/section") "$src" || fail "$name does not hold its input"
        ;;
    esac
    ((rva + 0x$size > expected_rva)) && expected_rva=$((rva + 0x$size))
  done < <(objdump -h "$dir/uki.efi" | grep -E '^ +[0-9]+ ')
  [[ "$(objdump -h "$dir/uki.efi" | awk '/^ +[0-9]+ /{print $2}' | tr '\n' ' ')" == *".sbat .sdmagic .idata .osrel .cmdline .initrd .linux "* ]] ||
    fail "section order is not the stub's, then .osrel .cmdline .initrd .linux"

  if "$IMAGE_TOOLS_DIR/image-measure" --uki="$dir/uki.efi" --output="$dir/measurements.json" 2>"$dir/measure.log"; then
    [[ "$(field "$dir/measurements.json" stub/version)" == 256 ]] && pass "measurements.json: stub version 256" ||
      fail "measurements.json: stub version $(field "$dir/measurements.json" stub/version)"
    [[ "$(field "$dir/measurements.json" stub/pcr11_sections)" == ".linux .osrel .cmdline .initrd .sbat" ]] &&
      pass "PCR 11 sections for systemd 256: .linux .osrel .cmdline .initrd .sbat" ||
      fail "PCR 11 sections: $(field "$dir/measurements.json" stub/pcr11_sections)"
    pcr=$(systemd_measure)
    pcr=$(extend "$pcr" "$(printf '.sbat\0' | sha)")
    pcr=$(extend "$pcr" "$(sha <"$dir/sbat")")
    [[ "$(field "$dir/measurements.json" pcrs/sha256/11)" == "$pcr" ]] &&
      pass "PCR 11 = systemd-measure's four sections, then .sbat ($pcr)" ||
      fail "PCR 11 $(field "$dir/measurements.json" pcrs/sha256/11) != $pcr"
  else
    fail "image-measure failed on the high-based UKI: $(cat "$dir/measure.log")"
  fi
else
  fail "make-uki.sh failed on a stub based at 5 GiB: $(cat "$dir/uki.log")"
fi

# --- Debian's stub (systemd 252): same rule, four sections measured.
if [[ -f "$debian_stub" ]]; then
  uki "$debian_stub" "$dir/uki-debian.efi"
  "$IMAGE_TOOLS_DIR/image-measure" --uki="$dir/uki-debian.efi" --output="$dir/measurements-debian.json"
  [[ "$(field "$dir/measurements-debian.json" stub/version)" == 252 ]] || fail "Debian's stub is not read as 252"
  [[ "$(field "$dir/measurements-debian.json" stub/pcr11_sections)" == ".linux .osrel .cmdline .initrd" ]] ||
    fail "Debian's stub: PCR 11 sections $(field "$dir/measurements-debian.json" stub/pcr11_sections)"
  pcr=$(systemd_measure)
  [[ "$(field "$dir/measurements-debian.json" pcrs/sha256/11)" == "$pcr" ]] &&
    pass "Debian stub 252: PCR 11 = systemd-measure ($pcr)" ||
    fail "Debian stub: PCR 11 $(field "$dir/measurements-debian.json" pcrs/sha256/11) != systemd-measure $pcr"
else
  echo "note: no Debian stub at $debian_stub; its half is skipped"
fi
((failures)) || rm -rf "$dir"
finish
