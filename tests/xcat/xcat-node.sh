#!/bin/bash
# A private xCAT management node for the real xCAT 2.19 (tests, demo, bench): xCAT expects its
# real paths (/opt/xcat, /etc/xcat, /root/.xcat, /install, /tftpboot, /var/log/xcat,
# /var/run/xcat) and a host name, so it runs chrooted into a root of its own inside private
# mount, network, UTS and PID namespaces. The host's directories are bind-mounted read-write
# where xCAT only reads them, /etc, /root and /var are overlays (the host's files stay as they
# are), and the node's own directories live under NODE. Nothing outside NODE is changed.
#
#   xcat-node.sh start NODE TREE [PATH…]  unpack nothing; TREE is an unpacked /opt/xcat. Starts the
#                                        node (prints its init pid), makes xCAT's credentials with
#                                        xCAT's own scripts and fills site/policy with xCAT's chtab.
#                                        PATHs (the repository, a test's directory) are bind-mounted
#                                        at the same place inside.
#   xcat-node.sh exec NODE CMD…          runs CMD inside the node (root /, cwd /, the node's PATH)
#   xcat-node.sh stop NODE               kills everything in the node; its namespaces go with it
#   xcat-node.sh unpack TARBALL DIR      checks TARBALL against SHA256SUMS beside it, unpacks into DIR
#   xcat-node.sh tarball                 prints where the tree is: $XCAT_TARBALL, else ../shared/xcat
#                                        beside the repository (as the tests' RealXcat looks); exit 1
#                                        with the reason when neither exists
set -euo pipefail

cmd=${1:?usage: xcat-node.sh start|exec|stop|unpack|tarball …}; shift

case "$cmd" in
tarball)
  beside="$(cd "$(dirname "$0")/../.." && pwd)/../shared/xcat/xcat-2.19.0-opt.tar.xz"
  if [ -n "${XCAT_TARBALL:-}" ] && [ -f "$XCAT_TARBALL" ]; then echo "$XCAT_TARBALL"
  elif [ -f "$beside" ]; then echo "$beside"
  else echo "no real xCAT tree: set XCAT_TARBALL to xcat-2.19.0-opt.tar.xz (with its SHA256SUMS beside it) or put ../shared/xcat beside the repository" >&2; exit 1
  fi
  ;;
unpack)
  tarball=$1 dir=$2
  (cd "$(dirname "$tarball")" && sha256sum --quiet -c SHA256SUMS)
  mkdir -p "$dir"
  tar -xJf "$tarball" -C "$dir"
  ;;
start)
  node=$1 tree=$2; shift 2
  mkdir -p "$node/root" "$node/ov" "$node/own"/{install,tftpboot}
  for d in etc var root; do mkdir -p "$node/ov/$d/upper" "$node/ov/$d/work"; done
  # The node's init: builds the root, chroots, then reaps orphans as pid 1 of the new PID namespace.
  setsid unshare --mount --net --uts --pid --fork --propagation private bash -c '
    set -e
    node=$1 tree=$2; shift 2
    r=$node/root
    hostname xcatmn
    ip link set lo up
    mount -t tmpfs -o mode=0755 xcat-node "$r"
    for d in bin sbin lib lib32 lib64 libx32 usr srv; do
      [ -e "/$d" ] || continue
      if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$r/$d"; else mkdir "$r/$d" && mount --rbind "/$d" "$r/$d"; fi
    done
    for d in etc var root; do
      mkdir "$r/$d"
      mount -t overlay overlay -o "lowerdir=/$d,upperdir=$node/ov/$d/upper,workdir=$node/ov/$d/work" "$r/$d"
    done
    mkdir -p "$r/dev" "$r/sys" "$r/proc" "$r/tmp" "$r/run" "$r/opt/xcat" "$r/install" "$r/tftpboot"
    mount --rbind /dev "$r/dev"
    mount --rbind /sys "$r/sys"
    mount -t proc proc "$r/proc"
    mount --bind /tmp "$r/tmp"
    mount -t tmpfs -o mode=0755 run "$r/run"
    mount --bind "$tree" "$r/opt/xcat"
    mount --bind "$node/own/install" "$r/install"
    mount --bind "$node/own/tftpboot" "$r/tftpboot"
    for p in "$@"; do mkdir -p "$r$p"; mount --bind "$p" "$r$p"; done
    rm -f "$r/var/run"; ln -s /run "$r/var/run"
    mkdir -p "$r/run/lock"
    printf "127.0.0.1 localhost\n127.0.0.1 xcatmn xcatmn.cluster\n" > "$r/etc/hosts"
    echo xcatmn > "$r/etc/hostname"
    : > "$r/etc/xCATMN"
    # PID 1 reaps what is orphaned to it, as init does: zombies of a killed xcatd must not linger.
    exec chroot "$r" /usr/bin/python3 -c "
import os, time
while True:
    try: os.wait()
    except ChildProcessError: time.sleep(0.1)
"
  ' xcat-node "$node" "$tree" "$@" </dev/null >"$node/init.log" 2>&1 &
  holder=$!
  # The node's init is unshare's child; wait until it sleeps chrooted.
  for _ in $(seq 1 500); do
    init=$(cat "/proc/$holder/task/$holder/children" 2>/dev/null | awk "{print \$1}")
    if [ -n "$init" ] && [ "$(readlink "/proc/$init/root")" = "$node/root" ]; then break; fi
    init=""; sleep 0.01
  done
  [ -n "$init" ] || { echo "xcat-node: the node did not come up: $(cat "$node/init.log")" >&2; exit 1; }
  echo "$init" > "$node/init.pid"
  x() { nsenter -t "$init" -m -n -u -p -r -w env -i PATH=/opt/xcat/bin:/opt/xcat/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
          HOME=/root XCATROOT=/opt/xcat PERL_BADLANG=0 LANG=C "$@"; }
  x mkdir -p /etc/xcat /var/log/xcat /run/xcat
  # Credentials as xcatconfig makes them: xCAT's CA, the server's certificate, root's client one.
  # The scripts ask before signing (openssl ca): xcatconfig answers y, so do we.
  x bash -c 'cd /opt/xcat/share/xcat/scripts && yes | ./setup-xcat-ca.sh "xCAT CA" && yes | ./setup-server-cert.sh xcatmn && yes | ./setup-local-client.sh root' \
    > "$node/setup.log" 2>&1 || { echo "xcat-node: credentials: $(tail -5 "$node/setup.log")" >&2; exit 1; }
  # Tables with xCAT's own chtab (SQLite files in /etc/xcat: no cfgloc yet).
  x bash -c 'export XCATBYPASS=1
    chtab key=master site.value=127.0.0.1 && chtab key=xcatdport site.value=3001 && chtab key=xcatiport site.value=3002 &&
    chtab key=domain site.value=cluster && chtab key=installdir site.value=/install && chtab key=tftpdir site.value=/tftpboot &&
    chtab key=xcatconfdir site.value=/etc/xcat && chtab name=root policy.rule=allow && chtab priority=1 policy.name=root policy.rule=allow' \
    >> "$node/setup.log" 2>&1 || { echo "xcat-node: tables: $(tail -5 "$node/setup.log")" >&2; exit 1; }
  echo "$init"
  ;;
exec)
  node=$1; shift
  init=$(cat "$node/init.pid")
  exec nsenter -t "$init" -m -n -u -p -r -w env -i PATH=/opt/xcat/bin:/opt/xcat/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root XCATROOT=/opt/xcat PERL_BADLANG=0 LANG=C "$@"
  ;;
stop)
  node=$1
  init=$(cat "$node/init.pid" 2>/dev/null || true)
  # PID 1 of the node's namespace: when it dies the kernel kills every process in it.
  if [ -n "$init" ] && [ "$(readlink "/proc/$init/root" 2>/dev/null)" = "$node/root" ]; then
    kill -9 "$init"
    for _ in $(seq 1 500); do [ -e "/proc/$init" ] || break; sleep 0.01; done
  fi
  rm -f "$node/init.pid"
  ;;
*) echo "usage: xcat-node.sh start|exec|stop|unpack|tarball …" >&2; exit 2 ;;
esac
