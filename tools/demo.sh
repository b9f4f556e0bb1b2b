#!/bin/bash
# make demo — the main job: a real 2-node corosync + Pacemaker cluster on this machine
# (tools/cluster.sh: namespaces, nothing outside them touched) running the xCAT management-node
# stack on shared data as one group, as cib-examples/xcat-mn has it — the service address
# (IPaddr2), the shared storage (Filesystem: here a bind mount of the common directory), shareddata
# (xCAT's /etc/xcat, /root/.xcat and the install and tftp trees onto it), xcatdb (xCAT's SQLite
# tables on it), xcatd (the real xCAT 2.19.0 daemon, from $XCAT_TARBALL or ../shared/xcat beside
# the repository; without either the test stand-in, and the demo says so) — then
# `crm_resource --move` to the other node and back, asking each node's xcatd with xCAT's own
# `lsxcatd -v`. Every wait is bounded; the cluster is torn down at the end, whatever happens.
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
# What xCAT's own client gets from the xcatd on node N (the stand-in has no client: its port),
# and what the activation steps (post_start) left there: named running, dhcpd's and conserver's
# configuration written by xCAT.
asked() {
  if [ "$real" = 1 ]; then
    on "$1" env XCATROOT=/opt/xcat PERL_BADLANG=0 /opt/xcat/bin/lsxcatd -v
    on "$1" sh -c 'pgrep -a named || echo "named: not running"'
    on "$1" sh -c 'head -1 /etc/dhcp/dhcpd.conf; grep -c . /etc/conserver.cf | sed "s/^/conserver.cf: lines: /"'
  else on "$1" ss -Hltn 'sport = :3001'; fi
}
wait_started() { # wait_started NODE-OR-ANY
  local end=$(( $(date +%s) + 90 ))
  until [ "$(started_on)" = "$1" ] || { [ "$1" = any ] && [ -n "$(started_on)" ]; }; do
    [ "$(date +%s)" -lt "$end" ] || { echo "demo: xcat_mn not Started on $1 within 90 s"; on 1 crm_mon -1; exit 1; }
    sleep 0.5
  done
}

real=0; tarball=$("$here/tests/xcat/xcat-node.sh" tarball 2>/dev/null) && real=1
mkdir -p "$dir/shared"
if [ "$real" = 1 ]; then
  bold "The real xCAT 2.19.0: credentials and tables made by xCAT's own scripts and chtab, on the shared storage"
  cluster xcat "$dir" "$tarball" >/dev/null
  echo "   $(ls "$dir/shared/etc/xcat" | tr '\n' ' ')"
  xpaths="/etc/xcat /root/.xcat"
else
  bold "No real xCAT tree (\$XCAT_TARBALL or ../shared/xcat): xcatd is the test stand-in (tests/xcatd-standin)"
  xpaths="$dir/local/etc/xcat $dir/local/root/.xcat"
fi

bold "A real 2-node cluster (corosync + Pacemaker 2.1.5) in network namespaces"
cluster up "$dir" 2

# Each node's own copies stay where they are, moved aside while the shared ones are linked in.
paths=""
for p in install tftpboot; do
  for n in 1 2; do
    mkdir -p "$dir/node$n/local/$p"; echo "node$n's local /$p" > "$dir/node$n/local/$p/README"
  done
  mkdir -p "$dir/shared$dir/local/$p"; echo "the shared /$p" > "$dir/shared$dir/local/$p/README"
  paths="$paths $dir/local/$p"
done
for p in $xpaths; do
  mkdir -p "$dir/shared$p"; echo "the shared $p" > "$dir/shared$p/README"
  for n in 1 2; do
    cluster run "$dir" "node$n" sh -c "mkdir -p '$p' && echo \"node$n's local $p\" > '$p/README'"
  done
  paths="$paths $p"
done
for n in 1 2; do mkdir -p "$dir/node$n/local/HA-data"; done
ha="$dir/local/HA-data"            # each node's mount point; Filesystem binds $dir/shared there
etcx=$(echo $xpaths | cut -d' ' -f1)  # xCAT's configuration directory as the nodes see it
subnet=$(cluster run "$dir" node1 ip -o -4 addr show | sed -n 's/.* inet \(10\.99\.[0-9]*\)\..*/\1/p' | head -1)
vip="$subnet.100"

if [ "$real" = 1 ]; then
  # xCAT's own paths are the agent's defaults; after each start the seed's activation steps.
  xcatd_params="
      <nvpair id=\"xd-post\" name=\"post_start\" value=\"makedns -n; makedhcp -n; makedhcp -a; makeconservercf\"/>"
else
  # The stand-in with xCAT-style credentials (a CA, a server and a root client certificate); each
  # node has its own network, so the real ports 3001-3003.
  sqlite3 "$dir/shared$etcx/site.sqlite" "CREATE TABLE site (key TEXT PRIMARY KEY, value TEXT); INSERT INTO site VALUES ('xcatdport', '3001');"
  x="$dir/xcat"; mkdir -p "$x/opt-xcat"; install -m 0755 "$here/tests/xcatd-standin/xcatd" "$x/xcatd"
  "$here/tests/xcatd-standin/make-credentials" "$x"
  printf '{"port": 3001, "iport": 3002, "lport": 3003, "cert": "%s", "key": "%s", "ca": "%s", "etc": "%s"}\n' \
    "$x/server.pem" "$x/server.key" "$x/ca.pem" "$etcx" > "$x/opt-xcat/standin.json"
  xcatd_params="
      <nvpair id=\"xd-bin\" name=\"binary\" value=\"$x/xcatd\"/>
      <nvpair id=\"xd-root\" name=\"xcatroot\" value=\"$x/opt-xcat\"/>
      <nvpair id=\"xd-etc\" name=\"config_dir\" value=\"$etcx\"/>
      <nvpair id=\"xd-cert\" name=\"client_cert\" value=\"$x/client-cred.pem\"/>
      <nvpair id=\"xd-ca\" name=\"ca_file\" value=\"$x/ca.pem\"/>"
fi

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
      <nvpair id=\"db-cfgloc\" name=\"cfgloc\" value=\"$etcx/cfgloc\"/>
      <nvpair id=\"db-dir\" name=\"sqlite_dir\" value=\"$etcx\"/>
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
      <nvpair id=\"xd-log\" name=\"logfile\" value=\"$dir/local/xcatd.console.log\"/>$xcatd_params
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
on "${first#node}" cat "$etcx/README"
asked "${first#node}"
on "${other#node}" cat "$etcx/README"

bold "crm_resource --move xcat_mn to $other"
on 1 crm_resource --move --resource xcat_mn --node "$other"
wait_started "$other"
on 1 crm_mon -1
bold "On $other now: the address, the shared /etc/xcat, and xcatd answering"
on "${other#node}" ip -o -4 addr show to "$vip"
asked "${other#node}"
on "${other#node}" cat "$etcx/README"
on "${first#node}" cat "$etcx/README"

bold "crm_resource --clear, then back to $first"
on 1 crm_resource --clear --resource xcat_mn
on 1 crm_resource --move --resource xcat_mn --node "$first"
wait_started "$first"
on 1 crm_resource --clear --resource xcat_mn
on 1 crm_mon -1
asked "${first#node}"

bold "Stop the group and tear the cluster down"
on 1 crm_resource --resource xcat_mn --set-parameter target-role --meta --parameter-value Stopped
end=$(( $(date +%s) + 60 )); until [ "$(status running)" = 0 ]; do [ "$(date +%s)" -lt "$end" ] || { echo "demo: not stopped"; exit 1; }; sleep 0.5; done
on 1 crm_mon -1
cluster down "$dir"
bold "Demo complete: started, moved, moved back and stopped under Pacemaker"
