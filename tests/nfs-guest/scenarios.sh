#!/bin/sh
# Runs inside the guest (guest.sh run ... scenarios.sh): each scenario named in /share/scenarios
# builds two service nodes and a client in network and mount namespaces of their own, on one
# bridge, exports /install with the agent under test, reads from the client in a loop and moves the
# service. Per scenario it writes /share/NAME.events (timed steps), /share/NAME.reads (reader.py's
# log) and /share/NAME.result ("ok" or why it could not run).
#
#   10.0.0.11 SN1, 10.0.0.12 SN2, 10.0.0.10 the floating service address, 10.0.0.50 the client
set -u
here=$(cd "$(dirname "$0")" && pwd)
agent=$(cat /share/agent)
modprobe -d "${MODULES_ROOT%/lib/modules}" -a nfsd nfsv4 veth bridge || { echo "modules missing"; exit 3; }

stamp() { echo "$(date +%s.%N) $*" >>"/share/$scenario.events"; }
fail() { echo "$*" >"/share/$scenario.result"; stamp "failed: $*"; return 1; }
in_node() { local n=$1; shift; nsenter -t "$(cat /run/holder-$n)" -m -n -- "$@"; }

# A node: its own network namespace on the scenario's bridge, and a mount namespace with its own
# /run, /var/lib/nfs and nfsd file system. DATA, if given, is bind-mounted on /install.
node() {
  local n=$1 address=$2 data=${3:-}
  ip netns add "$n"
  ip link add "v$index$n" type veth peer name eth0 netns "$n"
  ip link set "v$index$n" master "br$index" up
  ip -n "$n" link set lo up
  ip -n "$n" link set eth0 up
  ip -n "$n" addr add "$address/24" dev eth0
  ip netns exec "$n" unshare -m --propagation private sh -c '
    mount -t tmpfs run /run && mkdir -p /run/resource-agents /run/tmp &&
    mount -t tmpfs nfs /var/lib/nfs && mkdir -p /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery && : >/var/lib/nfs/etab &&
    mount -t nfsd nfsd /proc/fs/nfsd &&
    if [ -n "$0" ]; then mount --bind "$0" /install; fi && echo ready >/run/ready && exec sleep 100000' "$data" &
  echo $! >"/run/holder-$n"
  local i=0
  until in_node "$n" test -e /run/ready 2>/dev/null; do i=$((i+1)); [ $i -lt 100 ] || return 1; sleep 0.1; done
}

# nfsd and mountd on a service node: NFSv4 only (no rpcbind here), a 10 s grace period so the
# scenario need not wait the default 90 s after starting a server no client knew before.
nfs_server() {
  in_node "$1" rpc.nfsd -G 10 -N 3 8 && in_node "$1" rpc.mountd -N 3
}

ocf() {
  local n=$1 action=$2; shift 2
  in_node "$n" env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=install HA_RSCTMP=/run/resource-agents \
    OCF_RESKEY_directory=/install OCF_RESKEY_options=ro,no_subtree_check,insecure OCF_RESKEY_fsid=1 \
    OCF_RESKEY_replicas="10.0.0.11 10.0.0.12" OCF_RESKEY_state_dir=/run/nfs4replica "$@" "$agent" "$action" 2>>"/share/$scenario.agent"
}

exportfs_ra() {
  in_node "$1" env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=install HA_RSCTMP=/run/resource-agents \
    OCF_RESKEY_clientspec='*' OCF_RESKEY_directory=/install OCF_RESKEY_options=ro,no_subtree_check,insecure OCF_RESKEY_fsid=1 \
    /usr/lib/ocf/resource.d/heartbeat/exportfs "$2" >>"/share/$scenario.agent" 2>&1
}

ipaddr2() {
  in_node "$1" env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=service_ip HA_RSCTMP=/run/resource-agents \
    OCF_RESKEY_ip=10.0.0.10 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=eth0 /usr/lib/ocf/resource.d/heartbeat/IPaddr2 "$2" >>"/share/$scenario.agent" 2>&1
}

# The client mounts SERVER:/install over NFSv4.2 (a hard mount, the default) and reads in a loop
# until it has read a few times.
client_reads() {
  local server=$1
  in_node client mount -t nfs4 -o vers=4.2 "$server:/install" /install || return 1
  in_node client python3 "$here/reader.py" /install "/share/$scenario.reads" /run/stop &
  local i=0
  until [ "$(grep -c ' path ok' "/share/$scenario.reads" 2>/dev/null || echo 0)" -ge 20 ]; do i=$((i+1)); [ $i -lt 600 ] || return 1; sleep 0.1; done
  stamp "client reading from $server"
}

# Waits until the client has read 20 times after the last step (at most SECONDS): a read in
# flight across a move returns only at the client's next TCP retransmission, whose wait doubles
# each time.
reads_again() {
  local since i=0
  since=$(tail -1 "/share/$scenario.events" | cut -d' ' -f1)
  until [ "$(awk -v t="$since" '$2 == "path" && $3 == "ok" && $1 > t' "/share/$scenario.reads" | wc -l)" -ge 20 ]; do
    i=$((i+1)); [ $i -lt $(($1 * 2)) ] || return 0; sleep 0.5
  done
}

# Reads on for SECONDS more, then the reader stops (its log is written line by line: a reader
# stuck in a read on a server that is gone is left behind, not waited for).
read_on() {
  sleep "$1"
  in_node client touch /run/stop
  local i=0
  while in_node client pgrep -f reader.py >/dev/null; do i=$((i+1)); [ $i -lt 10 ] || break; sleep 0.5; done
}

network() {
  ip link add "br$index" type bridge && ip link set "br$index" up
}

data_tree() {
  mkdir -p "$1" && mount -t tmpfs "data-$scenario" "$1" && head -c 65536 /dev/urandom >"$1/data"
}

# Planned handover: the client mounts SN1's own address; the export migrates to SN2 the way
# Pacemaker migrates it (migrate_to on SN1, migrate_from on SN2, stop on SN1). Then SN1 goes
# off the network: a client still on SN1 would stall. With "heartbeat", the same move with
# resource-agents' ocf:heartbeat:exportfs, which cannot migrate: stop on SN1, start on SN2.
handover() {
  local kind=${1:-ours}
  network && data_tree "/var/data/$scenario" || return
  node sn1 10.0.0.11 "/var/data/$scenario" && node sn2 10.0.0.12 "/var/data/$scenario" && node client 10.0.0.50 || return
  nfs_server sn1 && nfs_server sn2 || { fail "nfsd did not start"; return; }
  if [ "$kind" = heartbeat ]; then
    exportfs_ra sn1 start || { fail "exportfs start on SN1 failed"; return; }
    client_reads 10.0.0.11 || { fail "the client could not read from SN1"; return; }
    stamp "stop on SN1"
    exportfs_ra sn1 stop || { fail "exportfs stop on SN1 failed"; return; }
    stamp "start on SN2"
    exportfs_ra sn2 start || { fail "exportfs start on SN2 failed"; return; }
    stamp "started on SN2"
  else
    ocf sn1 start || { fail "start on SN1 failed"; return; }
    client_reads 10.0.0.11 || { fail "the client could not read from SN1"; return; }
    stamp "migrate_to"
    ocf sn1 migrate_to OCF_RESKEY_CRM_meta_migrate_source=sn1 OCF_RESKEY_CRM_meta_migrate_target=sn2 || { fail "migrate_to failed"; return; }
    stamp "migrate_from"
    ocf sn2 migrate_from OCF_RESKEY_CRM_meta_migrate_source=sn1 OCF_RESKEY_CRM_meta_migrate_target=sn2 || { fail "migrate_from failed"; return; }
    stamp "stop on SN1"
    ocf sn1 stop OCF_RESKEY_CRM_meta_migrate_source=sn1 OCF_RESKEY_CRM_meta_migrate_target=sn2 || { fail "stop on SN1 failed"; return; }
    stamp "stopped on SN1"
    ocf sn1 monitor; stamp "monitor on SN1 says $?"
    ocf sn2 monitor; stamp "monitor on SN2 says $?"
  fi
  ip -n sn1 link set eth0 down
  stamp "SN1 off the network"
  read_on 5
  stamp "done"
  echo ok >"/share/$scenario.result"
}

# Unplanned failure: the client mounts the floating address; nfsd and the export run on both
# service nodes; SN1 dies (off the network, as a crashed machine: no replies, no ARP) and the
# address is started on SN2 by IPaddr2, as Pacemaker does after fencing SN1. DATA is "shared"
# (one file system behind both exports: identical file handles) or "copies" (two trees with the
# same content, as rsync makes them). With "move", a planned move of the address instead: IPaddr2
# stops on SN1, which stays up.
takeover() {
  local kind=$1 how=${2:-crash}
  network || return
  if [ "$kind" = shared ]; then
    data_tree "/var/data/$scenario" || return
    node sn1 10.0.0.11 "/var/data/$scenario" && node sn2 10.0.0.12 "/var/data/$scenario" || return
  else
    data_tree "/var/data/$scenario-1" && mkdir -p "/var/data/$scenario-2" && mount -t tmpfs copy "/var/data/$scenario-2" && cp -a "/var/data/$scenario-1/." "/var/data/$scenario-2/" || return
    node sn1 10.0.0.11 "/var/data/$scenario-1" && node sn2 10.0.0.12 "/var/data/$scenario-2" || return
  fi
  node client 10.0.0.50 || return
  nfs_server sn1 && nfs_server sn2 || { fail "nfsd did not start"; return; }
  ocf sn1 start || { fail "start on SN1 failed"; return; }
  ocf sn2 start || { fail "start on SN2 failed"; return; }
  ipaddr2 sn1 start || { fail "IPaddr2 on SN1 failed"; return; }


  client_reads 10.0.0.10 || { fail "the client could not read from the floating address"; return; }
  if [ "$how" = move ]; then
    stamp "moving the address"
    ipaddr2 sn1 stop || { fail "IPaddr2 stop on SN1 failed"; return; }
    stamp "address off SN1"
  else
    ip -n sn1 link set eth0 down
    stamp "SN1 crashed"
  fi
  ipaddr2 sn2 start || { fail "IPaddr2 on SN2 failed"; return; }
  stamp "address on SN2"
  reads_again 90
  read_on 3
  stamp "done"
  echo ok >"/share/$scenario.result"
}

index=0
for scenario in $(cat /share/scenarios); do
  index=$((index + 1))
  : >"/share/$scenario.events"
  case "$scenario" in
    handover) handover ;;
    handover-heartbeat) handover heartbeat ;;
    move-shared) takeover shared move ;;
    takeover-shared) takeover shared ;;
    takeover-copies) takeover copies ;;
  esac
  [ -e "/share/$scenario.result" ] || fail "the scenario stopped early"
  # Each scenario's nodes go: the client's mount first (lazily: its server may be gone).
  in_node client umount -l /install 2>/dev/null
  for n in sn1 sn2; do in_node "$n" rpc.nfsd 0 2>/dev/null; in_node "$n" pkill rpc.mountd 2>/dev/null; done
  for n in client sn1 sn2; do kill "$(cat /run/holder-$n)" 2>/dev/null; ip netns del "$n" 2>/dev/null; done
  ip link del "br$index" 2>/dev/null
done
exit 0
