#!/bin/bash
# A real corosync + Pacemaker cluster of 1 or 2 nodes on this machine, for the end-to-end tests
# and `make demo` (docs/ARCHITECTURE.md §4).
#
#   tools/cluster.sh up DIR N        bring up N nodes (node1, node2) with state under DIR; with an
#                                    unpacked /opt/xcat at DIR/xcat-tree, each node has it on /opt/xcat
#   tools/cluster.sh xcat DIR TARBALL before up: the real xCAT tree for the nodes, its credentials
#                                    and tables (made by xCAT's own scripts) on DIR/shared
#   tools/cluster.sh run DIR NODE CMD…   run CMD inside NODE (its network, mounts, PIDs, host name)
#   tools/cluster.sh netns DIR NODE  print NODE's network namespace
#   tools/cluster.sh crash DIR NODE  kill NODE at once (its PID namespace dies, its addresses go): a node failure
#   tools/cluster.sh revive DIR NODE boot a crashed NODE again: it rejoins the cluster
#   tools/cluster.sh down DIR        stop everything it started (by PID) and remove the namespaces
#
# Each node is one process tree: a holder (PID 1 of a new PID namespace, in a new mount and UTS
# namespace, inside network namespace ocfagents-<id>-nodeN) whose private mounts are a tmpfs on
# /dev/shm (libqb IPC) and /run, and per-node directories bound on /var/lib/pacemaker,
# /var/lib/corosync, /etc/corosync and the log directories; the agents under test are visible at
# their compiled-in paths (/usr/lib/ocf/resource.d/xcat, /usr/sbin/fence_*, …) inside the node
# only. Nodes talk over a veth pair 10.99.N.1 ↔ 10.99.N.2 between their own namespaces: no
# address outside the namespaces made here is ever touched. Every wait is bounded.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: cluster.sh up|run|down DIR …}; dir=${2:?DIR}
id=$(printf '%s' "$(realpath -m "$dir")" | cksum | cut -d' ' -f1 | cut -c1-8)  # interface names: 15 characters at most
netns() { echo "ocfagents-$id-node$1"; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND… — polls every 0.2 s
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then echo "cluster: timed out after ${limit}s waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

holder() { cat "$dir/node$1/holder.pid"; }

run_in() { # run_in N CMD… — inside node N
  local n=$1; shift
  nsenter -t "$(holder "$n")" -n -m -u -p -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
}

start_holder() { # start_holder N — node N's PID 1 in its namespaces, with its mounts
  local n=$1 d="$dir/node$1"
  # The holder: PID 1 of the node. It makes the node's mounts, then reaps orphans forever.
  ip netns exec "$(netns "$n")" unshare --mount --pid --uts --fork --propagation private bash -c '
    set -e
    d=$1 dir=$2 n=$3
    hostname "node$n"
    mount -t tmpfs -o mode=1777 node-shm /dev/shm
    mount -t tmpfs -o mode=755 node-run /run
    mkdir -p /run/resource-agents /run/pacemaker /run/crm /run/lock
    # The real xCAT when the caller unpacked one at DIR/xcat-tree (the demo, the failover
    # benchmark): xCAT wants its real paths, so /etc, /root, /opt and /var become overlays of the
    # host directories (what the node changes stays in DIR/nodeN/ov), with the tree on
    # /opt/xcat, the node name in /etc/hosts and /etc/xCATMN marking a management node. No
    # systemd runs in a node, but xCAT starts services with systemctl whenever it is on PATH
    # (and that fails): hidden, xCAT uses the init scripts (service named start), as on a
    # management node without systemd.
    if [ -d "$dir/xcat-tree" ]; then
      for p in etc root opt var; do
        mkdir -p "$d/ov/$p/upper" "$d/ov/$p/work"
        mount -t overlay "node-$p" -o "lowerdir=/$p,upperdir=$d/ov/$p/upper,workdir=$d/ov/$p/work" "/$p"
      done
      mkdir -p /opt/xcat /var/log/xcat
      mount --bind "$dir/xcat-tree" /opt/xcat
      printf "127.0.0.1 localhost\n127.0.0.1 node$n\n" > /etc/hosts
      : > /etc/xCATMN
      # What the xCAT packages install besides /opt/xcat: a profile entry (the init script reads
      # it for PATH and XCATROOT) and its init script.
      printf "XCATROOT=/opt/xcat\nPATH=\$XCATROOT/bin:\$XCATROOT/sbin:\$XCATROOT/share/xcat/tools:\$PATH\nexport XCATROOT PATH\n" > /etc/profile.d/xcat.sh
      install -m 0755 /opt/xcat/share/xcat/scripts/xcatd /etc/init.d/xcatd
      mount --bind /dev/null /usr/bin/systemctl
    fi
    mount --bind "$d/corosync-etc" /etc/corosync
    mount --bind "$d/corosync-lib" /var/lib/corosync
    mount --bind "$d/pacemaker-lib" /var/lib/pacemaker
    mkdir -p /var/log/pacemaker /var/log/cluster
    mount --bind "$d/log/pacemaker" /var/log/pacemaker
    mount --bind "$d/log/cluster" /var/log/cluster
    mount --bind "$dir/ocf/resource.d" /usr/lib/ocf/resource.d
    # LSB resources (class lsb) from DIR/init.d when the caller made one (the failover benchmark).
    [ ! -d "$dir/init.d" ] || mount --bind "$dir/init.d" /etc/init.d
    mount --bind "$d/local" "$dir/local"
    [ ! -d "$dir/stonith/external" ] || mount --bind "$dir/stonith/external" /usr/lib/stonith/plugins/external
    mount -t overlay node-sbin -o "lowerdir=/usr/sbin,upperdir=$d/sbin-upper,workdir=$d/sbin-work" /usr/sbin
    mount -t proc proc /proc
    echo $$ > "$d/holder.inner"
    trap "" TERM
    while :; do wait -n 2>/dev/null || sleep 0.5; done
  ' holder "$d" "$dir" "$n" </dev/null >"$d/holder.log" 2>&1 &
  echo $! > "$d/holder.unshare.pid"
}

start_corosync() { # start_corosync N — once node N's holder runs
  local n=$1 d="$dir/node$1"
  wait_for 10 "node$n's namespaces" test -s "$d/holder.inner"
  # The holder's PID as seen from here: the child that unshare --fork made.
  wait_for 10 "node$n's holder" sh -c "pgrep -P $(cat "$d/holder.unshare.pid") > '$d/holder.pid'"
  run_in "$n" setsid corosync -f </dev/null >/dev/null 2>&1 &
}

start_pacemaker() { # start_pacemaker N
  local n=$1
  wait_for 20 "corosync on node$n" run_in "$n" corosync-cfgtool -s
  run_in "$n" setsid env PCMK_logfile=/var/log/pacemaker/pacemaker.log pacemakerd -f </dev/null >/dev/null 2>&1 &
}

wait_online() { # wait_online N NODES — node N's Pacemaker sees a DC and NODES nodes online
  local n=$1 nodes=$2
  wait_for 60 "Pacemaker on node$n to elect a DC and see $nodes node(s) online" \
    sh -c "'$0' run '$dir' $n crm_mon -1 --output-as=xml | grep -q 'nodes_configured number=\"$nodes\"' && '$0' run '$dir' $n crm_mon -1 --output-as=xml | grep -q 'current_dc present=\"true\"' && [ \$('$0' run '$dir' $n crm_mon -1 --output-as=xml | grep -c 'online=\"true\"') -eq $nodes ]"
}

subnet=$(( $(cksum <<<"$id" | cut -d' ' -f1) % 200 + 20 ))
addr() { echo "10.99.$subnet.$1"; }

case "$cmd" in
up)
  nodes=${3:-1}
  [ "$nodes" = 1 ] || [ "$nodes" = 2 ] || { echo "cluster: 1 or 2 nodes" >&2; exit 2; }
  [ "$(id -u)" -eq 0 ] || { echo "cluster: needs root (namespaces, mounts)" >&2; exit 1; }
  trap '"$0" down "$dir" >/dev/null 2>&1' ERR  # a failed bring-up leaves nothing running
  # $dir/shared is the same directory on every node (the "shared storage"); $dir/local is each
  # node's own (node N's $dir/nodeN/local bound there), for what must differ per node.
  mkdir -p "$dir/shared" "$dir/local"; echo "$nodes" > "$dir/nodes"

  # The agents as Pacemaker finds them: resource.d with heartbeat's agents and ours.
  mkdir -p "$dir/ocf/resource.d" "$dir/sbin" "$dir/stonith"
  cp -a /usr/lib/ocf/resource.d/heartbeat "$dir/ocf/resource.d/"
  mkdir -p "$dir/ocf/resource.d/xcat"
  for a in shareddata xcatdb xcatd nfs4replica; do
    [ -x "$here/dist/bin/$a" ] && install -m 0755 "$here/dist/bin/$a" "$dir/ocf/resource.d/xcat/$a"
  done
  # Fence agents go where Pacemaker looks (/usr/sbin/fence_*): an overlay on /usr/sbin inside each node.
  mkdir -p "$dir/sbin"
  for a in fence_ipmi fence_riloe; do
    [ -x "$here/dist/bin/$a" ] && install -m 0755 "$here/dist/bin/$a" "$dir/sbin/$a"
  done

  # cluster-glue's external/ plugins as stonith(8) and fence_legacy find them, with ours added:
  # bound over /usr/lib/stonith/plugins/external inside each node.
  if [ -d /usr/lib/stonith/plugins/external ]; then
    cp -a /usr/lib/stonith/plugins/external "$dir/stonith/"
    for a in xcat-ipmi xcat-riloe; do
      [ -x "$here/dist/bin/$a" ] && install -m 0755 "$here/dist/bin/$a" "$dir/stonith/external/$a"
    done
  fi

  nodelist=""
  for n in $(seq 1 "$nodes"); do
    nodelist="$nodelist  node {
    ring0_addr: $(addr "$n")
    name: node$n
    nodeid: $n
  }
"
  done
  quorum="provider: corosync_votequorum"; [ "$nodes" = 2 ] && quorum="$quorum
  two_node: 1"

  for n in $(seq 1 "$nodes"); do
    ns=$(netns "$n"); d="$dir/node$n"
    mkdir -p "$d/sbin-work" && cp -a "$dir/sbin" "$d/sbin-upper"
    mkdir -p "$d/local" "$d/corosync-etc" "$d/corosync-lib" "$d/pacemaker-lib/cib" "$d/pacemaker-lib/pengine" \
      "$d/pacemaker-lib/blackbox" "$d/pacemaker-lib/cores" "$d/log/pacemaker" "$d/log/cluster" "$d/resource-agents"
    chown -R hacluster:haclient "$d/pacemaker-lib" "$d/log/pacemaker"
    cat > "$d/corosync-etc/corosync.conf" <<EOF
totem {
  version: 2
  cluster_name: ocfagents
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: 1000
}
nodelist {
$nodelist}
quorum {
  $quorum
}
logging {
  to_logfile: yes
  logfile: /var/log/cluster/corosync.log
  to_syslog: no
  to_stderr: no
  timestamp: on
}
EOF
    # The first DC election waits dc-deadtime (20 s by default): seed 2 s.
    cat > "$d/pacemaker-lib/cib/cib.xml" <<'EOF'
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="2s"/>
        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
EOF
    chown hacluster:haclient "$d/pacemaker-lib/cib/cib.xml"; chmod 600 "$d/pacemaker-lib/cib/cib.xml"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  if [ "$nodes" = 2 ]; then
    ip link add "oa$id-1" netns "$(netns 1)" type veth peer name "oa$id-2" netns "$(netns 2)"
  else
    # No dummy driver in this kernel: a veth pair with both ends in the node.
    ip -n "$(netns 1)" link add "oa$id-1" type veth peer name "oa$id-x"
    ip -n "$(netns 1)" link set "oa$id-x" up
  fi
  for n in $(seq 1 "$nodes"); do
    ip -n "$(netns "$n")" addr add "$(addr "$n")/24" dev "oa$id-$n"
    ip -n "$(netns "$n")" link set "oa$id-$n" up
  done

  for n in $(seq 1 "$nodes"); do start_holder "$n"; done
  for n in $(seq 1 "$nodes"); do start_corosync "$n"; done
  for n in $(seq 1 "$nodes"); do start_pacemaker "$n"; done
  for n in $(seq 1 "$nodes"); do wait_online "$n" "$nodes"; done
  echo "cluster: $nodes node(s) up in $dir"
  ;;
xcat)
  # The real xCAT for a cluster, before `up`: the unpacked /opt/xcat at DIR/xcat-tree (each node
  # then has it on /opt/xcat), and what xCAT's own setup scripts and chtab make — the credentials
  # in /etc/xcat and /root/.xcat, the SQLite tables with installdir and tftpdir under DIR/local —
  # on the shared storage, DIR/shared/etc/xcat and DIR/shared/root/.xcat, for shareddata to link.
  tarball=${3:?TARBALL}
  mkdir -p "$dir/shared/etc" "$dir/shared/root" "$dir/local"
  "$here/tests/xcat/xcat-node.sh" unpack "$tarball" "$dir/xcat-unpacked"
  mv "$dir/xcat-unpacked/xcat" "$dir/xcat-tree"; rmdir "$dir/xcat-unpacked"
  seed="$dir/xcat-seed"; mkdir -p "$seed"
  "$here/tests/xcat/xcat-node.sh" start "$seed" "$dir/xcat-tree" "$dir/local" >/dev/null
  "$here/tests/xcat/xcat-node.sh" exec "$seed" env XCATBYPASS=1 sh -c \
    "chtab key=installdir site.value=$dir/local/install && chtab key=tftpdir site.value=$dir/local/tftpboot" >/dev/null
  "$here/tests/xcat/xcat-node.sh" stop "$seed"
  cp -a "$seed/ov/etc/upper/xcat" "$dir/shared/etc/xcat"
  cp -a "$seed/ov/root/upper/.xcat" "$dir/shared/root/.xcat"
  echo "cluster: the real xCAT in $dir/xcat-tree, its credentials and tables in $dir/shared"
  ;;
run)
  node=${3:?NODE}; shift 3
  run_in "${node#node}" "$@"
  ;;
netns)
  # The network namespace of NODE, for a service that belongs on its network (a BMC simulator).
  node=${3:?NODE}; netns "${node#node}"
  ;;
crash)
  # A node dies at once: SIGKILL to its PID 1 takes every process of the node with it, and its
  # network goes silent (a dead machine answers nothing; an address IPaddr2 had added there would
  # otherwise still answer ARP).
  node=${3:?NODE}; n=${node#node}
  kill -KILL "$(holder "$n")"
  ip -n "$(netns "$n")" addr flush dev "oa$id-$n"
  echo "cluster: node$n crashed"
  ;;
revive)
  # A crashed node boots again: its own address only, fresh mounts and processes, corosync and
  # Pacemaker started as at boot; it rejoins the other node.
  node=${3:?NODE}; n=${node#node}; nodes=$(cat "$dir/nodes")
  d="$dir/node$n"
  gone() { local s; s=$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2); [ -z "$s" ] || [ "$s" = Z ]; }
  wait_for 10 "node$n's old PID 1 to end" gone "$(holder "$n")"
  rm -f "$d/holder.inner" "$d/holder.pid"
  ip -n "$(netns "$n")" addr flush dev "oa$id-$n"
  ip -n "$(netns "$n")" addr add "$(addr "$n")/24" dev "oa$id-$n"
  start_holder "$n"; start_corosync "$n"; start_pacemaker "$n"; wait_online "$n" "$nodes"
  echo "cluster: node$n is back"
  ;;
down)
  [ -f "$dir/nodes" ] || exit 0
  nodes=$(cat "$dir/nodes")
  for n in $(seq 1 "$nodes"); do
    # Killing a PID namespace's PID 1 kills every process in it.
    [ -s "$dir/node$n/holder.pid" ] && kill -KILL "$(holder "$n")" 2>/dev/null || true
    [ -s "$dir/node$n/holder.unshare.pid" ] && kill -KILL "$(cat "$dir/node$n/holder.unshare.pid")" 2>/dev/null || true
    ip netns del "$(netns "$n")" 2>/dev/null || true
  done
  # Gone means gone or a zombie (reaped whenever init gets to it): then nothing writes under DIR.
  gone() { local s; s=$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2); [ -z "$s" ] || [ "$s" = Z ]; }
  for n in $(seq 1 "$nodes"); do
    [ -s "$dir/node$n/holder.pid" ] && wait_for 10 "node$n to end" gone "$(holder "$n")"
    # Its processes die with it; wait for the last of them (the PID namespace empties).
    # (The pattern's first character in brackets, so that it does not match this sh -c itself.)
    pattern="[${dir:0:1}]${dir:1}/node$n"
    wait_for 10 "node$n's processes to end" sh -c "! pgrep -f -- '$pattern' >/dev/null"
  done
  rm -f "$dir/nodes"
  echo "cluster: down"
  ;;
*) echo "usage: cluster.sh up DIR N | run DIR NODE CMD… | netns DIR NODE | crash DIR NODE | revive DIR NODE | down DIR" >&2; exit 2 ;;
esac
