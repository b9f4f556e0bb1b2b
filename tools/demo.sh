#!/bin/bash
# make demo — the main job: a real 2-node corosync + Pacemaker cluster on this machine
# (tools/cluster.sh: namespaces, nothing outside them touched) running the xCAT management-node
# stack on shared data as one group, as cib-examples/xcat-mn has it — the service address
# (IPaddr2), the shared storage (Filesystem: here a bind mount of the common directory), shareddata
# (five xCAT paths onto it), xcatdb (xCAT's SQLite tables on it), xcatd (the test stand-in: xCAT is
# not packaged for Debian) — then `crm_resource --move` to the other node and back. Every wait is bounded; the cluster is torn down at the end, whatever happens.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (namespaces, mounts)"; exit 1; }
dir=/tmp/ocfagents-demo-cluster
cluster() { "$here/tools/cluster.sh" "$@"; }
cluster down "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
trap 'cluster down "$dir" >/dev/null 2>&1 || true' EXIT

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
on() { local n=$1; shift; echo "\$ [node$n] $*"; cluster run "$dir" "node$n" "$@" 2>&1 | sed 's/^/   /'; }
# The node all of xcat_mn is Started on ("" while any member is not); running: how many members run.
status() { cluster run "$dir" node1 crm_mon -1 --output-as=xml 2>/dev/null | python3 -c 'import sys,xml.etree.ElementTree as E
r=E.parse(sys.stdin).getroot(); g=[g for g in r.iter("group") if g.get("id")=="xcat_mn"]
rs=[x for x in g[0].iter("resource")] if g else []; up=[x for x in rs if x.get("role")=="Started"]
nodes={n.get("name") for x in up for n in x.iter("node")}
print(len(up) if sys.argv[1]=="running" else (nodes.pop() if rs and len(up)==len(rs) and len(nodes)==1 else ""))' "$1"; }
started_on() { status node; }
wait_started() { # wait_started NODE-OR-ANY
  local end=$(( $(date +%s) + 90 ))
  until [ "$(started_on)" = "$1" ] || { [ "$1" = any ] && [ -n "$(started_on)" ]; }; do
    [ "$(date +%s)" -lt "$end" ] || { echo "demo: xcat_mn not Started on $1 within 90 s"; on 1 crm_mon -1; exit 1; }
    sleep 0.5
  done
}

bold "A real 2-node cluster (corosync + Pacemaker 2.1.5) in network namespaces"
cluster up "$dir" 2

paths=""
for p in install etc/xcat root/.xcat var/lib/pgsql tftpboot; do
  for n in 1 2; do
    mkdir -p "$dir/node$n/local/$p"; echo "node$n's local /$p" > "$dir/node$n/local/$p/README"
  done
  mkdir -p "$dir/shared$dir/local/$p"; echo "the shared /$p" > "$dir/shared$dir/local/$p/README"
  paths="$paths $dir/local/$p"
done
for n in 1 2; do mkdir -p "$dir/node$n/local/HA-data"; done
ha="$dir/local/HA-data"            # each node's mount point; Filesystem binds $dir/shared there
etc="$dir/shared$dir/local/etc/xcat"  # what $dir/local/etc/xcat links to, seen from outside the nodes
sqlite3 "$etc/site.sqlite" "CREATE TABLE site (key TEXT PRIMARY KEY, value TEXT); INSERT INTO site VALUES ('xcatdport', '3001');"
subnet=$(cluster run "$dir" node1 ip -o -4 addr show | sed -n 's/.* inet \(10\.99\.[0-9]*\)\..*/\1/p' | head -1)
vip="$subnet.100"

# xcatd: the stand-in daemon (tests/xcatd-standin) with xCAT-style credentials (a CA, a server
# and a root client certificate); each node has its own network, so the real ports 3001-3003.
x="$dir/xcat"; mkdir -p "$x/opt-xcat"; install -m 0755 "$here/tests/xcatd-standin/xcatd" "$x/xcatd"
"$here/tests/xcatd-standin/make-credentials" "$x"
printf '{"port": 3001, "iport": 3002, "lport": 3003, "cert": "%s", "key": "%s", "ca": "%s", "etc": "%s"}\n' \
  "$x/server.pem" "$x/server.key" "$x/ca.pem" "$dir/local/etc/xcat" > "$x/opt-xcat/standin.json"

bold "Load the xCAT management-node group: IPaddr2 -> Filesystem -> shareddata -> xcatdb (SQLite) -> xcatd"
xml="<group id=\"xcat_mn\">
  <primitive id=\"xcat_vip\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">
    <instance_attributes id=\"vip-ia\">
      <nvpair id=\"vip-ip\" name=\"ip\" value=\"$vip\"/>
      <nvpair id=\"vip-mask\" name=\"cidr_netmask\" value=\"24\"/>
    </instance_attributes>
    <operations><op id=\"vip-mon\" name=\"monitor\" interval=\"10s\" timeout=\"20s\"/></operations>
  </primitive>
  <primitive id=\"xcat_shared_fs\" class=\"ocf\" provider=\"heartbeat\" type=\"Filesystem\">
    <instance_attributes id=\"fs-ia\">
      <nvpair id=\"fs-dev\" name=\"device\" value=\"$dir/shared\"/>
      <nvpair id=\"fs-dir\" name=\"directory\" value=\"$ha\"/>
      <nvpair id=\"fs-type\" name=\"fstype\" value=\"none\"/>
      <nvpair id=\"fs-opt\" name=\"options\" value=\"bind\"/>
    </instance_attributes>
    <operations><op id=\"fs-mon\" name=\"monitor\" interval=\"20s\" timeout=\"40s\"/></operations>
  </primitive>
  <primitive id=\"xcat_shareddata\" class=\"ocf\" provider=\"xcat\" type=\"shareddata\">
    <instance_attributes id=\"sd-ia\">
      <nvpair id=\"sd-root\" name=\"shared_root\" value=\"$ha\"/>
      <nvpair id=\"sd-paths\" name=\"paths\" value=\"${paths# }\"/>
    </instance_attributes>
    <operations><op id=\"sd-mon\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/></operations>
  </primitive>
  <primitive id=\"xcat_db\" class=\"ocf\" provider=\"xcat\" type=\"xcatdb\">
    <instance_attributes id=\"db-ia\">
      <nvpair id=\"db-engine\" name=\"engine\" value=\"sqlite\"/>
      <nvpair id=\"db-cfgloc\" name=\"cfgloc\" value=\"$dir/local/etc/xcat/cfgloc\"/>
      <nvpair id=\"db-dir\" name=\"sqlite_dir\" value=\"$dir/local/etc/xcat\"/>
      <nvpair id=\"db-root\" name=\"shared_root\" value=\"$ha\"/>
    </instance_attributes>
    <operations>
      <op id=\"db-mon\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/>
      <op id=\"db-mon10\" name=\"monitor\" interval=\"30s\" timeout=\"20s\">
        <instance_attributes id=\"db-mon10-ia\"><nvpair id=\"db-mon10-depth\" name=\"OCF_CHECK_LEVEL\" value=\"10\"/></instance_attributes>
      </op>
    </operations>
  </primitive>
  <primitive id=\"xcat_xcatd\" class=\"ocf\" provider=\"xcat\" type=\"xcatd\">
    <instance_attributes id=\"xd-ia\">
      <nvpair id=\"xd-bin\" name=\"binary\" value=\"$x/xcatd\"/>
      <nvpair id=\"xd-root\" name=\"xcatroot\" value=\"$x/opt-xcat\"/>
      <nvpair id=\"xd-etc\" name=\"config_dir\" value=\"$dir/local/etc/xcat\"/>
      <nvpair id=\"xd-pid\" name=\"pidfile\" value=\"/run/xcatd-demo.pid\"/>
      <nvpair id=\"xd-log\" name=\"logfile\" value=\"$dir/local/xcatd.console.log\"/>
      <nvpair id=\"xd-state\" name=\"state_dir\" value=\"/run/xcatd-demo\"/>
      <nvpair id=\"xd-cert\" name=\"client_cert\" value=\"$x/client-cred.pem\"/>
      <nvpair id=\"xd-ca\" name=\"ca_file\" value=\"$x/ca.pem\"/>
    </instance_attributes>
    <operations>
      <op id=\"xd-mon\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/>
      <op id=\"xd-mon10\" name=\"monitor\" interval=\"30s\" timeout=\"20s\">
        <instance_attributes id=\"xd-mon10-ia\"><nvpair id=\"xd-mon10-depth\" name=\"OCF_CHECK_LEVEL\" value=\"10\"/></instance_attributes>
      </op>
    </operations>
  </primitive>
</group>"
on 1 cibadmin --create -o resources --xml-text "$xml"
wait_started any
first=$(started_on); other=node$(( 3 - ${first#node} ))
on 1 crm_mon -1
bold "On $first: the address, the shared storage mounted, the xCAT paths linked to it, xcatd listening; on $other the local copies"
on "${first#node}" ip -o -4 addr show to "$vip"
on "${first#node}" findmnt -n -o TARGET,SOURCE --target "$ha"
on "${first#node}" cat "$dir/local/etc/xcat/README"
on "${first#node}" ss -Hltn 'sport = :3001'
on "${other#node}" cat "$dir/local/etc/xcat/README"

bold "crm_resource --move xcat_mn to $other"
on 1 crm_resource --move --resource xcat_mn --node "$other"
wait_started "$other"
on 1 crm_mon -1
on "${other#node}" ip -o -4 addr show to "$vip"
on "${other#node}" cat "$dir/local/etc/xcat/README"
on "${first#node}" cat "$dir/local/etc/xcat/README"

bold "crm_resource --clear, then back to $first"
on 1 crm_resource --clear --resource xcat_mn
on 1 crm_resource --move --resource xcat_mn --node "$first"
wait_started "$first"
on 1 crm_resource --clear --resource xcat_mn
on 1 crm_mon -1

bold "Stop the group and tear the cluster down"
on 1 crm_resource --resource xcat_mn --set-parameter target-role --meta --parameter-value Stopped
end=$(( $(date +%s) + 60 )); until [ "$(status running)" = 0 ]; do [ "$(date +%s)" -lt "$end" ] || { echo "demo: not stopped"; exit 1; }; sleep 0.5; done
on 1 crm_mon -1
cluster down "$dir"
bold "Demo complete: started, moved, moved back and stopped under Pacemaker"
