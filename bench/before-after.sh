#!/bin/bash
# bench/before-after.sh BEFORE — start-up of today's binaries (dist/bin) against the same agents
# built by an earlier commit (BEFORE/dist/bin, e.g. a git worktree after `make publish`) and
# against each agent's anchor, all in one hyperfine run; appends a section to bench/RESULTS.md.
# Made for the move to static executables: the start-up cost must not grow.
#   meta-data:  every agent, new / before, and new / the matching heartbeat or fence agent
#   monitor:    shareddata running (5 links) vs ocf:heartbeat:symlink; probes (not running) of
#               xcatdb (sqlite) vs pgsql, nfs4replica vs exportfs, xcatd vs what xCAT's init script
#               does for status (bench/lsb/xcatd) — what every node runs at each probe.
#   fencing:    fence_ipmi status on ipmi_sim vs fence_ipmilan, fence_riloe status on the iLO
#               stand-in vs fence_ilo (bench/devices.sh, as bench/run.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
before=$(cd "${1:?usage: bench/before-after.sh BEFORE (a checkout whose make publish has run)}" && pwd)/dist/bin
new="$here/dist/bin"
hb=/usr/lib/ocf/resource.d/heartbeat
work=$(mktemp -d /tmp/ocfagents-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench OCF_RESKEY_CRM_meta_interval=10000

# shareddata: five active links, as bench/run.sh; the symlink anchor one.
paths=""
for p in install etc/xcat root/.xcat var/lib/pgsql tftpboot; do
  mkdir -p "$work/node/$p" "$work/HA-data$work/node/$p"; paths="$paths $work/node/$p"
done
sd="OCF_RESKEY_shared_root=$work/HA-data OCF_RESKEY_paths='${paths# }' OCF_RESKEY_require_mountpoint=false"
env OCF_RESKEY_shared_root="$work/HA-data" OCF_RESKEY_paths="${paths# }" OCF_RESKEY_require_mountpoint=false "$new/shareddata" start 2>/dev/null
mkdir -p "$work/hb-target"
env OCF_RESKEY_link="$work/hb-link" OCF_RESKEY_target="$work/hb-target" "$hb/symlink" start 2>/dev/null

# Probes of resources that are not running here.
mkdir -p "$work/shared/sqlite" "$work/state-db" "$work/state-xcatd" "$work/state-nfs" "$work/install" "$work/pgdata"
chown postgres "$work/pgdata" 2>/dev/null || true

cat > "$work/cmds" <<CMDS
shareddata meta-data|$new/shareddata meta-data
shareddata meta-data (before)|$before/shareddata meta-data
heartbeat symlink meta-data|$hb/symlink meta-data
xcatdb meta-data|$new/xcatdb meta-data
xcatdb meta-data (before)|$before/xcatdb meta-data
heartbeat pgsql meta-data|$hb/pgsql meta-data
xcatd meta-data|$new/xcatd meta-data
xcatd meta-data (before)|$before/xcatd meta-data
nfs4replica meta-data|$new/nfs4replica meta-data
nfs4replica meta-data (before)|$before/nfs4replica meta-data
heartbeat exportfs meta-data|$hb/exportfs meta-data
fence_ipmi metadata|$new/fence_ipmi -o metadata
fence_ipmi metadata (before)|$before/fence_ipmi -o metadata
fence_ipmilan metadata|fence_ipmilan -o metadata
fence_riloe metadata|$new/fence_riloe -o metadata
fence_riloe metadata (before)|$before/fence_riloe -o metadata
fence_ilo metadata|fence_ilo -o metadata
CMDS
args=()
while IFS='|' read -r name cmd; do args+=(-n "$name" "$cmd"); done < "$work/cmds"
json="$work/meta.json"
hyperfine -N --warmup 10 --runs "${BENCH_RUNS:-100}" --export-json "$json" "${args[@]}" >/dev/null
python3 "$here/bench/section.py" "$json" "$here/bench/RESULTS.md" \
  "Static executables: meta-data, today's binaries against the dynamic ones before (bench/before-after.sh)" \
  "Every agent's meta-data in one run: today's static build (glibc and OpenSSL 3 linked in), the same agent built dynamically by the commit before the change, and its anchor." \
  "shareddata meta-data / shareddata meta-data (before) | <= 1.05" \
  "xcatdb meta-data / xcatdb meta-data (before) | <= 1.05" \
  "xcatd meta-data / xcatd meta-data (before) | <= 1.05" \
  "nfs4replica meta-data / nfs4replica meta-data (before) | <= 1.05" \
  "fence_ipmi metadata / fence_ipmi metadata (before) | <= 1.05" \
  "fence_riloe metadata / fence_riloe metadata (before) | <= 1.05" \
  "shareddata meta-data / heartbeat symlink meta-data | -" \
  "xcatdb meta-data / heartbeat pgsql meta-data | -" \
  "nfs4replica meta-data / heartbeat exportfs meta-data | -" \
  "fence_ipmi metadata / fence_ipmilan metadata | -" \
  "fence_riloe metadata / fence_ilo metadata | -"

json="$work/monitor.json"
db="OCF_RESKEY_engine=sqlite OCF_RESKEY_shared_root=$work/shared OCF_RESKEY_sqlite_dir=$work/shared/sqlite OCF_RESKEY_state_dir=$work/state-db"
xd="OCF_RESKEY_state_dir=$work/state-xcatd"
nf="OCF_RESKEY_directory=$work/install OCF_RESKEY_replicas=127.0.0.1 OCF_RESKEY_state_dir=$work/state-nfs"
pg="OCF_RESKEY_pgctl=/usr/lib/postgresql/15/bin/pg_ctl OCF_RESKEY_psql=/usr/lib/postgresql/15/bin/psql OCF_RESKEY_pgdata=$work/pgdata"
ex="OCF_RESKEY_directory=$work/install OCF_RESKEY_clientspec=127.0.0.1 OCF_RESKEY_fsid=7"
# The probes answer 7 (not running); each command is run once first and must answer what it should.
check() { local want=$1; shift; local rc=0; "$@" >/dev/null 2>&1 || rc=$?; [ "$rc" = "$want" ] || { echo "bench: $* exited $rc, not $want" >&2; exit 1; }; }
for bin in "$new" "$before"; do
  eval "check 0 env $sd $bin/shareddata monitor"
  eval "check 7 env $db $bin/xcatdb monitor"
  eval "check 7 env $xd $bin/xcatd monitor"
  eval "check 7 env $nf $bin/nfs4replica monitor"
done
eval "check 7 env $pg $hb/pgsql monitor"
eval "check 7 env $ex $hb/exportfs monitor"
hyperfine -N -i --warmup 10 --runs "${BENCH_RUNS:-100}" --export-json "$json" \
  -n "shareddata monitor (5 links)" "env $sd $new/shareddata monitor" \
  -n "shareddata monitor (5 links, before)" "env $sd $before/shareddata monitor" \
  -n "heartbeat symlink monitor (1 link)" "env OCF_RESKEY_link=$work/hb-link OCF_RESKEY_target=$work/hb-target $hb/symlink monitor" \
  -n "xcatdb probe (sqlite)" "env $db $new/xcatdb monitor" \
  -n "xcatdb probe (sqlite, before)" "env $db $before/xcatdb monitor" \
  -n "xcatd probe" "env $xd $new/xcatd monitor" \
  -n "xcatd probe (before)" "env $xd $before/xcatd monitor" \
  -n "nfs4replica probe" "env $nf $new/nfs4replica monitor" \
  -n "nfs4replica probe (before)" "env $nf $before/nfs4replica monitor" \
  -n "heartbeat pgsql probe" "env $pg $hb/pgsql monitor" \
  -n "heartbeat exportfs probe" "env $ex $hb/exportfs monitor" \
  -n "xCAT init script status (not running)" "env sh $here/bench/lsb/xcatd $work/state-xcatd/none.pid" \
  -n "env (the wrapper every command here runs through)" "env /bin/true" >/dev/null
python3 "$here/bench/section.py" "$json" "$here/bench/RESULTS.md" \
  "Static executables: depth-0 monitor and probes, today's binaries against before (bench/before-after.sh)" \
  "Same run. Each command runs through env (its row says what that costs). Probes: the resource is not running on this node (exit 7), which Pacemaker asks on every node." \
  "shareddata monitor (5 links) / shareddata monitor (5 links, before) | <= 1.05" \
  "xcatdb probe (sqlite) / xcatdb probe (sqlite, before) | <= 1.05" \
  "xcatd probe / xcatd probe (before) | <= 1.05" \
  "nfs4replica probe / nfs4replica probe (before) | <= 1.05" \
  "shareddata monitor (5 links) / heartbeat symlink monitor (1 link) | <= 0.3" \
  "xcatdb probe (sqlite) / heartbeat pgsql probe | -" \
  "nfs4replica probe / heartbeat exportfs probe | -" \
  "xcatd probe / xCAT init script status (not running) | -"
env OCF_RESKEY_shared_root="$work/HA-data" OCF_RESKEY_paths="${paths# }" OCF_RESKEY_require_mountpoint=false "$new/shareddata" stop 2>/dev/null || true

# ---- fencing: status, new / before / the fence-agents anchor ----------------------------------
source "$here/bench/devices.sh"
start_ipmi_sim "$work/ipmisim"
trap 'kill $ipmi_pid 2>/dev/null; rm -rf "$work"' EXIT
start_ilo_sim "$work/ilo"
trap 'kill $ipmi_pid $ilo_pid 2>/dev/null; rm -rf "$work"' EXIT
ipmi="-a 127.0.0.1 -u $ipmi_port -l admin -p secret -P -C 3 -o status"
ilo="-a 127.0.0.1 -u $ilo_port -l admin -p secret --ssl-insecure -o status"
json="$work/fence.json"
hyperfine -N --warmup 10 --runs "${BENCH_FENCE_RUNS:-60}" --export-json "$json" \
  -n "fence_ipmi status" "$new/fence_ipmi $ipmi" \
  -n "fence_ipmi status (before)" "$before/fence_ipmi $ipmi" \
  -n "fence_ipmilan status" "fence_ipmilan $ipmi" \
  -n "fence_riloe status" "$new/fence_riloe $ilo" \
  -n "fence_riloe status (before)" "$before/fence_riloe $ilo" \
  -n "fence_ilo status" "fence_ilo $ilo" >/dev/null
python3 "$here/bench/section.py" "$json" "$here/bench/RESULTS.md" \
  "Static executables: fence agents' status, today's binaries against before (bench/before-after.sh)" \
  "Same run; ipmi_sim (lanplus, cipher suite 3) and the iLO stand-in (RIBCL over TLS) on loopback." \
  "fence_ipmi status / fence_ipmi status (before) | <= 1.05" \
  "fence_riloe status / fence_riloe status (before) | <= 1.05" \
  "fence_ipmi status / fence_ipmilan status | <= 0.1" \
  "fence_riloe status / fence_ilo status | <= 0.05"
