#!/bin/bash
# A Linux guest with a real NFS client and server, for a host whose own kernel has neither.
#
#   guest.sh prepare DIR          Debian's kernel (linux-image-amd64's image, unpacked, not
#                                 installed) and a busybox initramfs into DIR
#   guest.sh run DIR SHARE SCRIPT [SECONDS]
#                                 boots it under QEMU (TCG), runs SCRIPT as root in the guest,
#                                 powers off; SHARE is the guest's /share, read-write
#
# The guest's root is this host's root, read-only over 9p, under a tmpfs /: the kernel NFS server
# must export the NFSv4 pseudo-root from /, and 9p cannot be exported. /var, /run, /tmp and
# /install are the guest's own tmpfs. SCRIPT's exit code is written to SHARE/exit; the console to
# SHARE/console.log. QEMU is killed after SECONDS (default 900): TCG is slow, never unbounded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

prepare() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ ! -e "$dir/vmlinuz" ]; then
    command -v busybox >/dev/null || [ -x /bin/busybox ] || { echo "guest: busybox-static is not installed" >&2; exit 3; }
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
    [ -n "$pkg" ] || { echo "guest: apt-cache does not know linux-image-amd64" >&2; exit 3; }
    rm -rf "$dir/deb" "$dir/root" && mkdir -p "$dir/deb"
    (cd "$dir/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) || { echo "guest: apt-get download $pkg failed" >&2; exit 3; }
    dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
    local version
    version=$(ls "$dir/root/lib/modules")
    depmod -b "$dir/root" "$version"
    build_initrd "$dir" "$version"
    echo "$version" >"$dir/version"
    cp "$dir/root/boot/vmlinuz-$version" "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
    rm -rf "$dir/deb"
  fi
}

# The initramfs only mounts the host's root: busybox, the virtio and 9p modules in load order,
# and /init. Everything else (nfsd, nfsv4, veth, bridge) is loaded from the unpacked tree later.
build_initrd() {
  local dir=$1 version=$2 staging
  staging=$(mktemp -d)
  mkdir -p "$staging"/{bin,proc,sys,dev,host,newroot,modules}
  cp /bin/busybox "$staging/bin/busybox"
  local m
  for m in virtio_pci 9pnet_virtio 9p; do
    modprobe -d "$dir/root" -S "$version" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r ko; do
    cp "$ko" "$staging/modules/"
    basename "$ko" >>"$staging/modules/order"
  done
  cp "$here/init" "$staging/init"
  chmod 755 "$staging/init"
  (cd "$staging" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$dir/initrd.gz"
  rm -rf "$staging"
}

run() {
  local dir=$1 share=$2 script=$3 seconds=${4:-900}
  dir=$(cd "$dir" && pwd)
  share=$(cd "$share" && pwd)
  rm -f "$share/exit"
  # -nodefaults: no NIC, no VGA; the guest's networks are namespaces inside it.
  timeout -k 5 "$seconds" qemu-system-x86_64 -nodefaults -no-user-config -nographic -accel tcg -cpu max \
    -smp 2 -m 2048 -kernel "$dir/vmlinuz" -initrd "$dir/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet loglevel=4 modules=$dir/root/lib/modules script=$script" \
    -serial "file:$share/console.log" -monitor none -no-reboot \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$share,mount_tag=share,security_model=none,multidevs=remap" || true
  [ -s "$share/exit" ] || { echo "guest: $script did not finish (console: $share/console.log)" >&2; tail -20 "$share/console.log" >&2; return 2; }
  return "$(cat "$share/exit")"
}

case "${1:-}" in
  prepare) prepare "$2" ;;
  run) shift; run "$@" ;;
  *) echo "usage: guest.sh prepare DIR | run DIR SHARE SCRIPT [SECONDS]" >&2; exit 2 ;;
esac
