#!/usr/bin/env bash
# Boots disk.raw the way an e2-micro Shielded VM would: UEFI (OVMF), a TPM 2.0
# (swtpm, fresh state), 1 GiB RAM, virtio disk and network. The serial
# console goes to stdout (or --serial-log). The disk is never modified
# (snapshot). Local run for people and for tests; see docs/image.md.
#
#   run-qemu.sh --disk=disk.raw [--serial-log=FILE] [--memory=MiB]
#               [--netdev-extra=,hostfwd=...] [--monitor=SOCKET]
#               [--tpm-state=DIR | --tpm-dir=DIR]
# --tpm-state: start the TPM from a copy of this swtpm state directory (what
# GCE provisions into a vTPM: the AK template and certificate in NV); the
# directory itself is never changed.
# --tpm-dir: keep the TPM's state in this directory, changed in place, so
# that its NV outlives the boot as a GCE vTPM's does for the life of the
# instance (egressd's month count; tests/e2e/test_egress_budget.cpp).
# Env: OVMF_CODE, OVMF_VARS (default: Debian's ovmf 4M builds), QEMU, SWTPM.
set -euo pipefail
step_name=run-qemu
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

disk="" serial_log="" memory=1024 netdev_extra="" monitor="" tpm_state="" tpm_dir=""
for arg in "$@"; do
  case "$arg" in
    --disk=*) disk=${arg#*=} ;;
    --serial-log=*) serial_log=${arg#*=} ;;
    --memory=*) memory=${arg#*=} ;;
    --netdev-extra=*) netdev_extra=${arg#*=} ;;
    --monitor=*) monitor=${arg#*=} ;;
    --tpm-state=*) tpm_state=${arg#*=} ;;
    --tpm-dir=*) tpm_dir=${arg#*=} ;;
    *) die "unknown argument $arg" ;;
  esac
done
[[ -f "$disk" ]] || die "unable to read '$disk': no such file"
ovmf_code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
ovmf_vars=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
[[ -f "$ovmf_code" && -f "$ovmf_vars" ]] || die "unable to find OVMF (install ovmf or set OVMF_CODE/OVMF_VARS)"

state=$(mktemp -d)
swtpm_pid=""
cleanup() {
  [[ -n "$swtpm_pid" ]] && kill "$swtpm_pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT
cp "$ovmf_vars" "$state/vars.fd"
if [[ -n "$tpm_state" ]]; then
  [[ -d "$tpm_state" ]] || die "unable to read TPM state '$tpm_state': no such directory"
  cp -a "$tpm_state/." "$state/"
fi
tpm_state_dir=$state
if [[ -n "$tpm_dir" ]]; then
  [[ -z "$tpm_state" ]] || die "--tpm-state and --tpm-dir exclude each other"
  [[ -d "$tpm_dir" ]] || die "unable to use TPM directory '$tpm_dir': no such directory"
  tpm_state_dir=$tpm_dir
fi
"${SWTPM:-swtpm}" socket --tpm2 --tpmstate dir="$tpm_state_dir" \
  --ctrl type=unixio,path="$state/swtpm.sock" --terminate &
swtpm_pid=$!
for _ in $(seq 100); do [[ -S "$state/swtpm.sock" ]] && break; sleep 0.05; done
[[ -S "$state/swtpm.sock" ]] || die "swtpm did not create its socket"

serial=(-serial stdio)
[[ -n "$serial_log" ]] && serial=(-serial "file:$serial_log")
monitor_args=(-monitor none)
[[ -n "$monitor" ]] && monitor_args=(-monitor "unix:$monitor,server,nowait")
# -no-reboot: a panic (panic=-1 on the command line) ends QEMU instead of looping.
"${QEMU:-qemu-system-x86_64}" -machine q35 -m "$memory" -nographic -no-reboot \
  -drive if=pflash,format=raw,readonly=on,file="$ovmf_code" \
  -drive if=pflash,format=raw,file="$state/vars.fd" \
  -drive file="$disk",format=raw,if=virtio,snapshot=on \
  -chardev socket,id=chrtpm,path="$state/swtpm.sock" \
  -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 \
  -netdev "user,id=net0,net=169.254.169.0/24,host=169.254.169.2,dhcpstart=169.254.169.15$netdev_extra" \
  -device virtio-net-pci,netdev=net0,romfile= \
  "${serial[@]}" "${monitor_args[@]}"
