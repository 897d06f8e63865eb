#!/usr/bin/env bash
# Builds the initramfs tree: a staging directory holding copies of every file
# and a manifest (nix/tools/cpio_manifest.hpp) that says where each goes in
# the image and with which mode. Only the manifest's modes reach the archive.
#
#   make-rootfs.sh --source=REPO --staging=DIR --manifest=FILE --closure=FILE
#                  --kernel-release=KVER --modules-dir=DIR --ca-bundle=FILE
#                  [--program=NAME=PATH]...
#
# Layout (the contract with init): /init, /bin/{attestd,egressd,acmed,authd}, the
# libraries at the paths elf-closure.sh chose, /lib/modules/KVER/... with
# /etc/appliance/modules.list (load order), /etc/appliance/services.conf
# (from init/services.conf), /etc/{passwd,group,nsswitch.conf,hosts,
# os-release}, /etc/ssl/certs/ca-certificates.crt, /dev/console, and empty
# mount points. Nothing else: no shell, no other program.
set -euo pipefail
step_name=make-rootfs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

source_dir="" staging="" manifest="" closure="" kver="" modules_dir="" ca_bundle=""
programs=()
for arg in "$@"; do
  case "$arg" in
    --source=*) source_dir=${arg#*=} ;;
    --staging=*) staging=${arg#*=} ;;
    --manifest=*) manifest=${arg#*=} ;;
    --closure=*) closure=${arg#*=} ;;
    --kernel-release=*) kver=${arg#*=} ;;
    --modules-dir=*) modules_dir=${arg#*=} ;;
    --ca-bundle=*) ca_bundle=${arg#*=} ;;
    --program=*) programs+=("${arg#*=}") ;;
    *) die "unknown argument $arg" ;;
  esac
done
for required in source_dir staging manifest closure kver modules_dir ca_bundle; do
  [[ -n "${!required}" ]] || die "missing --${required//_/-}"
done
image_conf="$source_dir/nix/image"
strip_tool=${STRIP:-strip}

rm -rf "$staging"
mkdir -p "$staging"
entries=()  # manifest lines for files, links and nodes; dirs are derived

# put IMAGE_PATH MODE HOST_FILE: copies the file (symlinks followed).
put() {
  local image_path=$1 mode=$2 host_file=$3
  [[ -f "$host_file" ]] || die "unable to read $host_file: no such file"
  mkdir -p "$staging$(dirname "$image_path")"
  cp -L "$host_file" "$staging$image_path"
  entries+=("file $image_path $mode ${image_path#/}")
}

# write IMAGE_PATH MODE TEXT: stores TEXT as a generated file. (Not a pipe
# into a function: that would run in a subshell and lose the manifest entry.)
write() {
  local image_path=$1 mode=$2 text=$3
  mkdir -p "$staging$(dirname "$image_path")"
  printf '%s' "$text" >"$staging$image_path"
  entries+=("file $image_path $mode ${image_path#/}")
}

# --- programs: init is /init, daemons are /bin/NAME; debug info stripped.
for spec in "${programs[@]}"; do
  name=${spec%%=*}
  path=${spec#*=}
  case "$name" in
    init) image_path=/init ;;
    attestd | egressd | acmed | authd) image_path=/bin/$name ;;
    *) die "unknown program '$name' (the image holds init, attestd, egressd, acmed, authd)" ;;
  esac
  [[ -f "$path" ]] || die "unable to read $path: no such file"
  mkdir -p "$staging$(dirname "$image_path")"
  "$strip_tool" --strip-debug -o "$staging$image_path" "$path"
  entries+=("file $image_path 0755 ${image_path#/}")
done

# --- shared libraries and the loader.
while read -r image_path host_path; do
  mode=0644
  [[ "$image_path" == */ld-linux* ]] && mode=0755
  put "$image_path" "$mode" "$host_path"
done <"$closure"

# --- kernel modules, in load order. Each listed module comes with the
# modules it depends on (from the kernel's modules.dep, loaded first); a
# listed module that is neither a module nor built in fails the build. A
# compressed module (.ko.xz, .ko.zst, .ko.gz: nixpkgs' kernel compresses
# them) is decompressed here, so that init's finit_module(fd, "", 0) needs no
# in-kernel decompression; the image always holds plain .ko files.
dep_file="$modules_dir/modules.dep"
[[ -f "$dep_file" ]] || die "unable to read $dep_file: no such file"
declare -A placed=()
module_list=()

# place_module RELATIVE DEPENDENCIES...: places the dependencies (last one
# first, as modprobe loads them), then the module itself.
place_module() {
  local relative=$1
  shift
  [[ -z "${placed[$relative]:-}" ]] || return 0
  local index dependency
  for ((index = $#; index >= 1; index--)); do
    dependency=${!index}
    [[ -n "${placed[$dependency]:-}" ]] && continue
    local dep_line
    dep_line=$(awk -v want="$dependency" -F: '$1 == want { print; exit }' "$dep_file")
    [[ -n "$dep_line" ]] || die "$relative needs $dependency, which $dep_file does not list"
    # shellcheck disable=SC2086
    place_module "$dependency" ${dep_line#*:}
  done
  local plain=${relative%.xz}
  plain=${plain%.zst}
  plain=${plain%.gz}
  [[ "$plain" == *.ko ]] || die "unexpected module file name $relative"
  local image_path=/lib/modules/$kver/$plain host=$modules_dir/$relative
  [[ -f "$host" ]] || die "unable to read module $host: no such file"
  mkdir -p "$staging$(dirname "$image_path")"
  case "$relative" in
    *.ko.xz) xz -dc -- "$host" >"$staging$image_path" ;;
    *.ko.zst) zstd -q -dc -- "$host" >"$staging$image_path" ;;
    *.ko.gz) gzip -dc -- "$host" >"$staging$image_path" ;;
    *) cp -L "$host" "$staging$image_path" ;;
  esac
  # An ELF relocatable object, whatever the file name promised.
  [[ "$(head -c 4 "$staging$image_path" | od -An -tx1 | tr -d ' ')" == 7f454c46 ]] ||
    die "$host did not give an ELF module"
  entries+=("file $image_path 0644 ${image_path#/}")
  placed[$relative]=1
  module_list+=("$image_path")
}

while read -r module; do
  key=${module//-/_}
  line=$(awk -v want="$key" -F: '{
      n = split($1, parts, "/"); base = parts[n]; sub(/\.ko(\.[a-z]+)?$/, "", base);
      gsub("-", "_", base); if (base == want) { print; exit } }' "$dep_file")
  if [[ -z "$line" ]]; then
    # Built into this kernel (Debian's cloud kernel has the TPM drivers and
    # AF_PACKET built in; nixpkgs' kernel builds them as modules).
    if grep -q -E "/${key//_/[-_]}\.ko(\.[a-z]+)?\$" "$modules_dir/modules.builtin" 2>/dev/null; then
      note "module $module is built into the kernel; not listed"
      continue
    fi
    die "module $module (nix/image/modules.txt) is neither in $dep_file nor built into kernel $kver"
  fi
  # shellcheck disable=SC2086
  place_module "${line%%:*}" ${line#*:}
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$image_conf/modules.txt")
write /etc/appliance/modules.list 0644 "$(printf '%s\n' "${module_list[@]}")
"

# --- the service table and the users.
if [[ -f "$source_dir/init/services.conf" ]]; then
  put /etc/appliance/services.conf 0644 "$source_dir/init/services.conf"
else
  note "init/services.conf does not exist yet; the image has no service table"
fi
users_file="$source_dir/init/users.conf"
[[ -f "$users_file" ]] || users_file="$image_conf/default-users.conf"
passwd="root:x:0:0:root:/:/nonexistent"$'\n'
group="root:x:0:"$'\n'
while read -r name uid gid extra; do
  [[ "$name" =~ ^[a-z_][a-z0-9_-]*$ && "$uid" =~ ^[0-9]+$ && "$gid" =~ ^[0-9]+$ && -z "${extra:-}" ]] ||
    die "bad line in $users_file: '$name $uid $gid ${extra:-}' (want: name uid gid)"
  passwd+="$name:x:$uid:$gid:$name:/nonexistent:/nonexistent"$'\n'
  group+="$name:x:$gid:"$'\n'
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$users_file")
write /etc/passwd 0644 "$passwd"
write /etc/group 0644 "$group"

# --- the rest of /etc.
put /etc/nsswitch.conf 0644 "$image_conf/nsswitch.conf"
put /etc/hosts 0644 "$image_conf/hosts"
put /etc/os-release 0644 "$image_conf/os-release"
put /etc/ssl/certs/ca-certificates.crt 0644 "$ca_bundle"

# --- directories: every parent of an entry, plus the mount points.
{
  for entry in "${entries[@]}"; do
    read -r _type path _rest <<<"$entry"
    path=$(dirname "$path")
    while [[ "$path" != / ]]; do
      echo "dir $path 0755"
      path=$(dirname "$path")
    done
  done
  for mount_point in /dev /proc /sys /run; do echo "dir $mount_point 0755"; done
  echo "dir /tmp 1777"
  # The kernel opens /dev/console for /init's stdin/stdout/stderr before
  # init can mount devtmpfs.
  echo "nod /dev/console 0600 c 5 1"
  printf '%s\n' "${entries[@]}"
} | sort -u | sort -s -k2,2 >"$manifest"
