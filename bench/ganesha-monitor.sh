#!/bin/bash
# bench/ganesha-monitor.sh BEFORE — nfs4replica's Ganesha monitor (an export that is active)
# spoken over D-Bus by the agent itself, against the same agent built by an earlier commit
# (BEFORE/dist/bin: a git worktree after `make publish`; the commit before the change ran
# `gdbus call` for every D-Bus call) and against one bare `gdbus call DisplayExport`, the
# anchor: what a shell agent would run. A real ganesha.nfsd on a private D-Bus, as the tests
# run it (tests/OcfAgents.Agents.Tests/Support/GaneshaFixture.cs). Appends a section to RESULTS.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
before=$(cd "${1:?usage: bench/ganesha-monitor.sh BEFORE (a checkout whose make publish has run)}" && pwd)/dist/bin
new="$here/dist/bin"
work=$(mktemp -d /tmp/ocfagents-ganesha-bench.XXXXXX)
bus="unix:path=$work/bus"
cat > "$work/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>$bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>
CONF
mkdir -p "$work/recovery" "$work/install"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = $port; Bind_addr = 127.0.0.1; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = $work/recovery; }
CONF
dbus-daemon --config-file "$work/dbus.conf" --nofork >/dev/null 2>&1 & dbus_pid=$!
trap 'kill $dbus_pid ${ganesha_pid:-} 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -S "$work/bus" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS=$bus
ganesha.nfsd -F -f "$work/ganesha.conf" -L "$work/ganesha.log" -p "$work/ganesha.pid" -N NIV_EVENT & ganesha_pid=$!
trap 'kill $dbus_pid $ganesha_pid 2>/dev/null; rm -rf "$work"' EXIT
display=(gdbus call --system --dest org.ganesha.nfsd --object-path /org/ganesha/nfsd/ExportMgr --method org.ganesha.nfsd.exportmgr.DisplayExport 77)
for _ in $(seq 300); do gdbus call --system --dest org.ganesha.nfsd --object-path /org/ganesha/nfsd/ExportMgr \
  --method org.ganesha.nfsd.exportmgr.ShowExports >/dev/null 2>&1 && break; sleep 0.1; done

export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench OCF_RESKEY_CRM_meta_interval=10000
export OCF_RESKEY_backend=ganesha OCF_RESKEY_directory="$work/install" OCF_RESKEY_export_id=77 \
  OCF_RESKEY_pseudo=/install OCF_RESKEY_dbus_address="$bus" OCF_RESKEY_state_dir="$work/state"
"$new/nfs4replica" start
for bin in "$new" "$before"; do "$bin/nfs4replica" monitor || { echo "bench: $bin/nfs4replica monitor exited $?" >&2; exit 1; }; done
"${display[@]}" >/dev/null
json="$work/ganesha.json"
hyperfine -N --warmup 10 --runs "${BENCH_RUNS:-200}" --export-json "$json" \
  -n "nfs4replica monitor (Ganesha, D-Bus spoken)" "$new/nfs4replica monitor" \
  -n "nfs4replica monitor (Ganesha, gdbus, before)" "$before/nfs4replica monitor" \
  -n "gdbus call DisplayExport" "${display[*]}" >/dev/null
python3 "$here/bench/section.py" "$json" "$here/bench/RESULTS.md" \
  "nfs4replica's Ganesha monitor: D-Bus spoken against gdbus before (bench/ganesha-monitor.sh)" \
  "One real ganesha.nfsd 4.3 on a private D-Bus, one active export; the monitor is DisplayExport and a path check. Before: the commit that ran gdbus for each call." \
  "nfs4replica monitor (Ganesha, D-Bus spoken) / nfs4replica monitor (Ganesha, gdbus, before) | < 1" \
  "nfs4replica monitor (Ganesha, D-Bus spoken) / gdbus call DisplayExport | < 1"
"$new/nfs4replica" stop
