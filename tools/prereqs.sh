#!/bin/bash
# Installs the Debian packages the tests, demo and benchmarks run for real (docs/ARCHITECTURE.md §4).
# As root: apt-get update + install of whatever is missing. Otherwise: names them and fails.
set -euo pipefail
PACKAGES=(pacemaker corosync pacemaker-cli-utils resource-agents cluster-glue heartbeat drbd-utils libxml2-utils hyperfine util-linux python3 python3-gi
          fence-agents gnutls-bin openipmi ipmitool postgresql-15 sqlite3 mariadb-server mariadb-client openssl
          nfs-kernel-server nfs-ganesha nfs-ganesha-vfs libnfs-utils dbus openssh-server openssh-client rsync rpm man-db
          kmod psmisc iproute2 procps strace
          libio-socket-ssl-perl libxml-simple-perl libxml-parser-perl libdbd-sqlite3-perl libjson-perl
          libsocket6-perl libio-socket-inet6-perl libdbd-pg-perl libdbd-mysql-perl libexpect-perl libnet-dns-perl libnet-telnet-perl
          bind9 isc-dhcp-server conserver-server gcc libc6-dev cmake libssl-dev pcs
          qemu-system-x86 busybox-static)
# kmod, psmisc: ocf:heartbeat:Filesystem exits 5 (not installed) on every action, probes included,
# unless modprobe and fuser are on PATH; neither package is pulled in by resource-agents.
# The perl modules are what the real xcatd 2.19 needs (tests/xcat/xcat-node.sh): XML::Simple needs
# XML::Parser to parse a request at all (without it every request ends the connection), Socket6
# and IO::Socket::INET6 make it listen on IPv6 too, DBD::Pg/DBD::mysql serve a PostgreSQL or
# MariaDB cfgloc, and xCAT's packaging lists Expect, Net::DNS and Net::Telnet. bind9, isc-dhcp-server
# and conserver-server are what the demo's post_start (makedns, makedhcp, makeconservercf) configures.
# drbd-utils: ocf:linbit:drbd, which cib-examples/xcat-mn uses (its meta-data; no DRBD kernel module is needed).
# qemu-system-x86, busybox-static: a guest with Debian's own kernel, whose NFS client and server this
# machine's kernel may lack (tests/nfs-guest; the kernel package is fetched by apt-get download, never installed).
# pcs: what admins configure with; the tests check it accepts our meta-data as it accepts
# fence_ipmilan's and the heartbeat agents' (pcs -f on a CIB file, no pcsd needed).
# gcc, libc6-dev (libc.a), cmake and libssl-dev (libssl.a, libcrypto.a): the static executables
# (Directory.Build.props): NativeAOT links with gcc and builds its OpenSSL shim with cmake.
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v dotnet >/dev/null || { echo "prereqs: the .NET SDK (dotnet) is not on PATH; install .NET SDK 10" >&2; exit 1; }
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "prereqs: missing Debian packages: ${missing[*]}" >&2
  echo "prereqs: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "prereqs: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts the daemons it installs; the tests run their own clusters in namespaces.
for s in pacemaker corosync heartbeat pcsd postgresql mariadb nfs-ganesha nfs-server rpcbind ssh named isc-dhcp-server conserver-server; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$s" 2>/dev/null; then systemctl stop "$s" || true; fi
done
