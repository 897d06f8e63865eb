#!/usr/bin/env bash
# measurements.json against independent computations: the artefact hashes
# against sha256sum, PCR 11 against systemd-measure (systemd's own
# implementation of the stub's measurements), PCR 9 recomputed here with
# iconv and openssl, the Authenticode hashes against osslsigncode.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
built="$work/built"
json="$built/measurements.json"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split('/'): d=d[int(k)] if isinstance(d, list) else d[k]
print(d)" "$json" "$1"; }

for artefact in initramfs.cpio.zst initramfs.list uki.efi disk.raw image.tar.gz; do
  [[ "$(field "artefacts/$artefact/sha256")" == "$(sha256sum "$built/$artefact" | cut -d' ' -f1)" ]] &&
    pass "sha256 of $artefact" || fail "sha256 of $artefact differs from sha256sum"
done

# The inputs exactly as the build used them.
kver=$(field build/kernel_release)
kernel=${IMAGE_KERNEL:-/boot/vmlinuz-$kver}
cmdline=$(field cmdline)
[[ "$cmdline" == "$(tr -d '\n' <"$source_dir/nix/image/cmdline")" ]] || fail "cmdline differs from nix/image/cmdline"
[[ "$cmdline" == "console=ttyS0,38400n8"* ]] || fail "cmdline does not start with console=ttyS0,38400n8"
printf '%s' "$cmdline" >"$work/cmdline"
objcopy -O binary --only-section=.cmdline "$built/uki.efi" "$work/uki-cmdline"
cmp -s <(head -c "$(stat -c %s "$work/cmdline")" "$work/uki-cmdline") "$work/cmdline" || fail ".cmdline section differs"
[[ "$(tail -c 1 "$work/cmdline" | od -An -tx1 | tr -d ' ')" != 0a ]] || fail "cmdline ends with a newline"

# PCR 11: systemd-measure, --phase= (no boot-phase strings).
measure=${SYSTEMD_MEASURE:-/usr/lib/systemd/systemd-measure}
expected11=$("$measure" calculate --linux="$kernel" --osrel="$source_dir/nix/image/os-release" \
  --cmdline="$work/cmdline" --initrd="$built/initramfs.cpio.zst" --phase= --bank=sha256 --json=short |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"][0]["hash"])')
[[ "$(field pcrs/sha256/11)" == "$expected11" ]] && pass "PCR 11 = systemd-measure ($expected11)" ||
  fail "PCR 11 $(field pcrs/sha256/11) != systemd-measure $expected11"

# PCR 9: E(SHA256(UTF-16LE(cmdline) + NUL NUL)), then E(SHA256(initrd)).
sha() { openssl dgst -sha256 -r | cut -d' ' -f1; }
extend() { { printf '%s' "$1$2" | xxd -r -p; } | sha; }
pcr=$(printf '0%.0s' {1..64})
event=$({ printf '%s' "$cmdline" | iconv -f ASCII -t UTF-16LE; printf '\0\0'; } | sha)
pcr=$(extend "$pcr" "$event")
pcr=$(extend "$pcr" "$(sha <"$built/initramfs.cpio.zst")")
[[ "$(field pcrs/sha256/9)" == "$pcr" ]] && pass "PCR 9 = openssl+iconv ($pcr)" ||
  fail "PCR 9 $(field pcrs/sha256/9) != $pcr"

# Authenticode: the kernel as Debian signed it (osslsigncode reads the digest
# in its signature), and the UKI signed here with a throwaway key (padded to
# 8 bytes first, as osslsigncode pads before appending a signature).
# (osslsigncode verify exits non-zero: it cannot chain either signature to a
# trusted root, which does not matter for the digest.)
signed_digest() { { osslsigncode verify -in "$1" 2>/dev/null || true; } |
  sed -n 's/^Current message digest *: \([0-9A-F]*\).*/\1/p' | tr A-F a-f; }
if [[ -z "${IMAGE_KERNEL:-}" ]]; then
  signed=$(signed_digest "$kernel")
  [[ "$(field kernel/authenticode_sha256)" == "$signed" ]] && pass "kernel Authenticode = Debian's signature" ||
    fail "kernel Authenticode $(field kernel/authenticode_sha256) != signed digest $signed"
fi
cp "$built/uki.efi" "$work/uki-padded.efi"
size=$(stat -c %s "$work/uki-padded.efi")
truncate -s $(((size + 7) / 8 * 8)) "$work/uki-padded.efi"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=image-test -days 1 \
  -keyout "$work/sign.key" -out "$work/sign.crt" 2>/dev/null
rm -f "$work/uki-signed.efi"
osslsigncode sign -certs "$work/sign.crt" -key "$work/sign.key" -h sha256 \
  -in "$work/uki-padded.efi" -out "$work/uki-signed.efi" >/dev/null
signed=$(signed_digest "$work/uki-signed.efi")
ours=$("$IMAGE_TOOLS_DIR/pe-authenticode" "$work/uki-padded.efi" | cut -d' ' -f1)
[[ -n "$signed" && "$ours" == "$signed" ]] && pass "UKI Authenticode = osslsigncode" ||
  fail "pe-authenticode $ours != osslsigncode '$signed'"
# Padding aside, the unpadded UKI's hash is what measurements.json says.
[[ "$(field uki/authenticode_sha256)" == "$("$IMAGE_TOOLS_DIR/pe-authenticode" "$built/uki.efi" | cut -d' ' -f1)" ]] ||
  fail "measurements.json's UKI Authenticode differs from pe-authenticode"
# PCR 4's predicted boot applications: the UKI, then the kernel it starts.
[[ "$(field pcr_events/4/0/sha256) $(field pcr_events/4/1/sha256)" == \
   "$(field uki/authenticode_sha256) $(field kernel/authenticode_sha256)" ]] &&
  pass "pcr_events/4 lists the UKI's and the kernel's Authenticode hashes in load order" ||
  fail "pcr_events/4 is not [UKI, kernel]"
finish
