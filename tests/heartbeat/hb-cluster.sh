#!/bin/bash
# A 2-node Heartbeat 3.0.6 cluster in v1 mode (crm off, haresources), as seed 003 ran Lustre
# OSS pairs, on this machine: each node is a holder process (PID 1 of new PID, mount and UTS
# namespaces inside network namespace ocfagents-hb-<id>-nodeN) whose /etc/ha.d, /var/lib/heartbeat,
# /run and cluster-glue's external/ plugins (with ours) are its own; the nodes talk over a veth
# pair. Each node's BMC is an ipmi_sim on the OTHER node's network, 127.0.0.1:623 there (the node
# that fences reaches it; the node fenced never does), its power state a file the caller reads.
#
#   hb-cluster.sh up DIR       configure and start both nodes; the resources (the address .100 on
#                              the nodes' subnet, printed, and the marker
#                              script, which records where it runs in DIR/shared/owner) prefer node1
#   hb-cluster.sh run DIR NODE CMD…   run CMD inside NODE
#   hb-cluster.sh crash DIR NODE      kill NODE at once (its PID namespace dies, its addresses go)
#   hb-cluster.sh down DIR            stop everything it started and remove the namespaces
#
# DIR/nodeN/ha-log is node N's Heartbeat log; DIR/bmcN/state/power its BMC's power (1 on, 0 off)
# and DIR/bmcN/state/events every power change asked. Every wait is bounded.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:?usage: hb-cluster.sh up|run|crash|down DIR …}; dir=${2:?DIR}
id=$(printf '%s' "$(realpath -m "$dir")" | cksum | cut -d' ' -f1 | cut -c1-8)
netns() { echo "ocfagents-hb-$id-node$1"; }
subnet=$(( $(cksum <<<"hb$id" | cut -d' ' -f1) % 200 + 20 ))
addr() { echo "10.98.$subnet.$1"; }
holder() { cat "$dir/node$1/holder.pid"; }
run_in() { local n=$1; shift; nsenter -t "$(holder "$n")" -n -m -u -p -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND…
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then echo "hb-cluster: timed out after ${limit}s waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

case "$cmd" in
up)
  vip=$(addr 100)
  [ "$(id -u)" -eq 0 ] || { echo "hb-cluster: needs root" >&2; exit 1; }
  [ -x /usr/libexec/heartbeat/heartbeat ] || { echo "hb-cluster: heartbeat is not installed (apt-get install heartbeat)" >&2; exit 5; }
  trap '"$0" down "$dir" >/dev/null 2>&1' ERR
  mkdir -p "$dir/shared"
  for n in 1 2; do ip netns add "$(netns "$n")"; ip -n "$(netns "$n")" link set lo up; done
  ip link add "hb$id-1" netns "$(netns 1)" type veth peer name "hb$id-2" netns "$(netns 2)"
  # Inside each node the link is eth0, as on the servers the configuration was written for
  # (IPaddr without a nic takes eth0).
  for n in 1 2; do
    ip -n "$(netns "$n")" link set "hb$id-$n" name eth0
    ip -n "$(netns "$n")" addr add "$(addr "$n")/24" dev eth0
    ip -n "$(netns "$n")" link set eth0 up
  done

  # The BMCs: node N's on the other node's network (where the device that fences N runs).
  for n in 1 2; do
    b="$dir/bmc$n"; mkdir -p "$b/state"; echo 1 > "$b/state/power"
        cat > "$b/lan.conf" <<EOF
name "bmc$n"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 623
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$here/tests/ipmi-sim/chassis.sh $b/state"
  user 2 true "admin" "bmc-secret" admin 10 none md2 md5 straight
EOF
    printf 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n' > "$b/sim.emu"
    other=$(( 3 - n ))
    ip netns exec "$(netns "$other")" setsid ipmi_sim -n -c "$b/lan.conf" -f "$b/sim.emu" -s "$b/state" </dev/null >"$b/sim.log" 2>&1 &
    echo $! > "$b/sim.pid"
    wait_for 20 "bmc$n" ip netns exec "$(netns "$other")" ipmitool -I lanplus -C 3 -H 127.0.0.1 -U admin -P bmc-secret -N 1 -R 1 chassis power status
  done

  # cluster-glue's external/ plugins with ours, as stonith(8) inside the nodes finds them.
  mkdir -p "$dir/stonith"
  cp -a /usr/lib/stonith/plugins/external "$dir/stonith/"
  install -m 0755 "$here/dist/bin/xcat-ipmi" "$dir/stonith/external/xcat-ipmi"

  secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  for n in 1 2; do
    d="$dir/node$n"; mkdir -p "$d"
    cp -a /etc/ha.d "$d/ha.d"; cp -a /var/lib/heartbeat "$d/lib"
    # The example with this machine's site values: node names, the peer's address, the log, each
    # BMC at 127.0.0.1 (on the fencing node's network) with the simulator's login, the address
    # on the nodes' subnet, and the OST (no Lustre here) replaced by the marker script.
    sed -e "s/oss01sp/127.0.0.1/; s/oss02sp/127.0.0.1/; s/oss0\([12]\)/node\1/g" -e "s/root changeme/admin bmc-secret/" \
      -e "s/^ucast eth0 .*/ucast eth0 $(addr $(( 3 - n )))/" -e "s|^logfile .*|logfile $d/ha-log|" \
      "$here/cib-examples/heartbeat-v1/ha.cf" > "$d/ha.d/ha.cf"
    sed -e "s/oss0\([12]\)/node\1/g" -e "s|10.0.0.100/24|$vip/24|" -e "s|Filesystem::[^ ]*|marker|" \
      "$here/cib-examples/heartbeat-v1/haresources" > "$d/ha.d/haresources"
    sed -e "s/@SECRET@/$secret/" "$here/cib-examples/heartbeat-v1/authkeys" > "$d/ha.d/authkeys"
    chmod 600 "$d/ha.d/authkeys" "$d/ha.d/ha.cf"
    # The resource haresources names: it records where it runs, on the storage both nodes share.
    cat > "$d/ha.d/resource.d/marker" <<EOF
#!/bin/sh
case "\$1" in
start) hostname > "$dir/shared/owner"; touch /run/marker.running ;;
stop) rm -f /run/marker.running ;;
status) if [ -e /run/marker.running ]; then echo running; else echo stopped; fi ;;
esac
EOF
    chmod 0755 "$d/ha.d/resource.d/marker"
    ip netns exec "$(netns "$n")" unshare --mount --pid --uts --fork --propagation private bash -c '
      set -e
      d=$1 dir=$2 n=$3
      hostname "node$n"
      mount -t tmpfs -o mode=755 node-run /run
      mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/resource-agents
      chown -R hacluster:haclient /run/heartbeat
      mount --bind "$d/ha.d" /etc/ha.d
      mount --bind "$d/lib" /var/lib/heartbeat
      mount --bind "$dir/stonith/external" /usr/lib/stonith/plugins/external
      mount -t proc proc /proc
      echo $$ > "$d/holder.inner"
      /usr/libexec/heartbeat/heartbeat </dev/null >"$d/heartbeat.out" 2>&1 || echo "heartbeat exited $?" >> "$d/heartbeat.out"
      trap "" TERM
      while :; do wait -n 2>/dev/null || sleep 0.5; done
    ' holder "$d" "$dir" "$n" </dev/null >"$d/holder.log" 2>&1 &
    echo $! > "$d/holder.unshare.pid"
  done
  for n in 1 2; do
    d="$dir/node$n"
    wait_for 10 "node$n's namespaces" test -s "$d/holder.inner"
    wait_for 10 "node$n's holder" sh -c "pgrep -P $(cat "$d/holder.unshare.pid") > '$d/holder.pid'"
  done
  for n in 1 2; do wait_for 60 "node$n to see both nodes up" sh -c "'$0' run '$dir' node$n cl_status nodestatus node$(( 3 - n )) | grep -qx active"; done
  wait_for 90 "node1 to acquire its resources" test -s "$dir/shared/owner"
  echo "hb-cluster: 2 nodes up in $dir, node1 holds the resources (address $vip)"
  ;;
run)
  node=${3:?NODE}; shift 3
  run_in "${node#node}" "$@"
  ;;
crash)
  node=${3:?NODE}; n=${node#node}
  kill -KILL "$(holder "$n")"
  ip -n "$(netns "$n")" addr flush dev eth0
  echo "hb-cluster: node$n crashed"
  ;;
down)
  for n in 1 2; do
    [ -s "$dir/node$n/holder.pid" ] && kill -KILL "$(holder "$n")" 2>/dev/null || true
    [ -s "$dir/node$n/holder.unshare.pid" ] && kill -KILL "$(cat "$dir/node$n/holder.unshare.pid")" 2>/dev/null || true
    [ -s "$dir/bmc$n/sim.pid" ] && kill -KILL "$(cat "$dir/bmc$n/sim.pid")" 2>/dev/null || true
    ip netns del "$(netns "$n")" 2>/dev/null || true
  done
  echo "hb-cluster: down"
  ;;
*) echo "usage: hb-cluster.sh up DIR | run DIR NODE CMD… | crash DIR NODE | down DIR" >&2; exit 2 ;;
esac
