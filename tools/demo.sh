#!/bin/bash
# make demo — the main job: a real 2-node corosync + Pacemaker cluster on this machine
# (tools/cluster.sh: namespaces, nothing outside them touched) running the xCAT management-node
# stack on shared data as one group — shareddata (five xCAT paths onto the shared storage), then
# xcatdb (xCAT's SQLite tables, checked on the shared storage) — then `crm_resource --move` to the
# other node and back. Every wait is bounded; the cluster is torn down at the end, whatever happens.
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
started_on() { cluster run "$dir" node1 crm_mon -1 --output-as=xml 2>/dev/null \
  | python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.stdin).getroot(); print(" ".join(sorted({n.get("name") for g in r.iter("group") if g.get("id")=="xcat_mn" for x in g.iter("resource") if x.get("role")=="Started" for n in x.iter("node")})))'; }
wait_started() { # wait_started NODE-OR-ANY
  local end=$(( $(date +%s) + 90 ))
  until [ "$(started_on)" = "$1" ] || { [ "$1" = any ] && [ -n "$(started_on)" ] && [ "$(started_on | wc -w)" = 1 ]; }; do
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
sqlite3 "$dir/shared$dir/local/etc/xcat/site.sqlite" \
  "CREATE TABLE site (key TEXT PRIMARY KEY, value TEXT); INSERT INTO site VALUES ('xcatdport', '3001');"

bold "Load the xCAT management-node group: shareddata -> xcatdb (SQLite on the shared storage)"
xml="<group id=\"xcat_mn\">
  <primitive id=\"xcat_shareddata\" class=\"ocf\" provider=\"xcat\" type=\"shareddata\">
    <instance_attributes id=\"sd-ia\">
      <nvpair id=\"sd-root\" name=\"shared_root\" value=\"$dir/shared\"/>
      <nvpair id=\"sd-paths\" name=\"paths\" value=\"${paths# }\"/>
      <nvpair id=\"sd-mp\" name=\"require_mountpoint\" value=\"false\"/>
    </instance_attributes>
    <operations><op id=\"sd-mon\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/></operations>
  </primitive>
  <primitive id=\"xcat_db\" class=\"ocf\" provider=\"xcat\" type=\"xcatdb\">
    <instance_attributes id=\"db-ia\">
      <nvpair id=\"db-engine\" name=\"engine\" value=\"sqlite\"/>
      <nvpair id=\"db-cfgloc\" name=\"cfgloc\" value=\"$dir/local/etc/xcat/cfgloc\"/>
      <nvpair id=\"db-dir\" name=\"sqlite_dir\" value=\"$dir/local/etc/xcat\"/>
      <nvpair id=\"db-root\" name=\"shared_root\" value=\"$dir/shared\"/>
    </instance_attributes>
    <operations>
      <op id=\"db-mon\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/>
      <op id=\"db-mon10\" name=\"monitor\" interval=\"30s\" timeout=\"20s\">
        <instance_attributes id=\"db-mon10-ia\"><nvpair id=\"db-mon10-depth\" name=\"OCF_CHECK_LEVEL\" value=\"10\"/></instance_attributes>
      </op>
    </operations>
  </primitive>
</group>"
on 1 cibadmin --create -o resources --xml-text "$xml"
wait_started any
first=$(started_on); other=node$(( 3 - ${first#node} ))
on 1 crm_mon -1
bold "On $first the xCAT paths are links to the shared storage; on $other they are the local copies"
on "${first#node}" cat "$dir/local/etc/xcat/README"
on "${other#node}" cat "$dir/local/etc/xcat/README"

bold "crm_resource --move xcat_mn to $other"
on 1 crm_resource --move --resource xcat_mn --node "$other"
wait_started "$other"
on 1 crm_mon -1
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
end=$(( $(date +%s) + 60 )); until [ -z "$(started_on)" ]; do [ "$(date +%s)" -lt "$end" ] || { echo "demo: not stopped"; exit 1; }; sleep 0.5; done
on 1 crm_mon -1
cluster down "$dir"
bold "Demo complete: started, moved, moved back and stopped under Pacemaker"
