#!/bin/bash
# bench/failover.sh [WORKDIR] — the failover time of scenario 1 (cib-examples/xcat-mn without the
# address and filesystem, which are the same heartbeat agents in both stacks), measured on one
# real 2-node cluster (tools/cluster.sh) in one run, for two stacks loaded side by side:
#
#   xcat_ours  shareddata (5 xCAT paths)  → xcatdb (PostgreSQL 15)  → xcatd (the stand-in)
#   xcat_hb    symlink ×5                 → pgsql  (PostgreSQL 15)  → lsb:xcatd-hb (the stand-in
#              behind an init script that does what xCAT's does: xcatctl status/stop)
#
# Both are groups with the same operations, so both move by stop and start; each timing is one
# `crm_resource --move` to the other node until every member is Started there (bench/
# failover-move.sh). Appends its section to bench/RESULTS.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/ocfagents-failover.XXXXXX)}
c="$work/cluster"
cluster() { "$here/tools/cluster.sh" "$@"; }
trap 'cluster down "$c" >/dev/null 2>&1 || true; [ -n "${1:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$c/init.d" "$c/shared"; chmod 755 "$work" "$c" "$c/shared"
pgbin=/usr/lib/postgresql/15/bin
paths=(install etc/xcat root/.xcat var/lib/pgsql tftpboot)

# ---- shared data: targets on the shared storage, parents of the link paths on each node ----------
for stack in ours hb; do
  for p in "${paths[@]}"; do
    mkdir -p "$c/shared$c/local/$stack/$p"; echo "shared /$p" > "$c/shared$c/local/$stack/$p/README"
    for n in 1 2; do mkdir -p "$(dirname "$c/node$n/local/$stack/$p")"; done
  done
done

# ---- two PostgreSQL 15 data directories on the shared storage --------------------------------------
pgsetup() { # pgsetup NAME PORT: initdb; for ours also xCAT's role, database and cfgloc
  local d="$c/shared/pg-$1"; mkdir -p "$d/data" "$d/sock"; chown postgres:postgres "$d/data" "$d/sock"; chmod 755 "$d"
  runuser -u postgres -- "$pgbin/initdb" -D "$d/data" --auth-local=peer --auth-host=scram-sha-256 -U postgres >/dev/null
  if [ "$1" = hb ]; then # pgsql starts the server with the configuration file's settings
    printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$2" "$d/sock" >> "$d/data/postgresql.conf"
    return 0
  fi
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$d/data" -w -l "$d/sock/setup.log" -o "-c port=$2 -c listen_addresses='' -c unix_socket_directories=$d/sock" start >/dev/null
  runuser -u postgres -- "$pgbin/psql" -X -q -h "$d/sock" -p "$2" -d postgres -c "CREATE USER xcatadm PASSWORD 'benchpw'" -c "CREATE DATABASE xcatdb OWNER xcatadm"
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$d/data" -w -m fast stop >/dev/null
  printf 'Pg:dbname=xcatdb;host=127.0.0.1;port=%s|xcatadm|benchpw\n' "$2" > "$d/cfgloc"; chmod 600 "$d/cfgloc"
}
pgsetup ours 5441
pgsetup hb 5442

# ---- two xcatd stand-ins (own XCATROOT, ports and pid file each), one xCAT-style CA ---------------
creds="$work/creds"; "$here/tests/xcatd-standin/make-credentials" "$creds"
standin() { # standin NAME FIRST-PORT
  local x="$c/xcat-$1"; mkdir -p "$x/root" "$x/etc"; install -m 0755 "$here/tests/xcatd-standin/xcatd" "$x/xcatd"
  printf '{"port": %s, "iport": %s, "lport": %s, "cert": "%s", "key": "%s", "ca": "%s", "etc": "%s"}\n' \
    "$2" "$(( $2 + 1 ))" "$(( $2 + 2 ))" "$creds/server.pem" "$creds/server.key" "$creds/ca.pem" "$x/etc" > "$x/root/standin.json"
}
standin ours 3001
standin hb 3011
# The heartbeat stack's xcatd: an LSB script doing what xCAT's /etc/init.d/xcatd does (bench/lsb).
cat > "$c/init.d/xcatd-hb" <<EOF
#!/bin/sh
### BEGIN INIT INFO
# Provides:          xcatd-hb
# Required-Start:    \$network \$remote_fs
# Required-Stop:     \$network \$remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: the xcatd stand-in, started and stopped the way xCAT's init script does
### END INIT INFO
. /lib/lsb/init-functions
XCATROOT=$c/xcat-hb/root; export XCATROOT
pidfile=/run/xcatd-hb.pid
running() { sh $here/bench/lsb/xcatctl status "\$pidfile" >/dev/null; }
case "\$1" in
  start)  running && exit 0; $c/xcat-hb/xcatd -p "\$pidfile" >>/run/xcatd-hb.log 2>&1 || exit 1 ;;
  stop)   running && kill -KILL -"\$(cat "\$pidfile")"; rm -f "\$pidfile" ;;  # xcatctl stop: the listener's group
  status) running || exit 3 ;;
  *)      exit 3 ;;
esac
exit 0
EOF
chmod 755 "$c/init.d/xcatd-hb"

cluster up "$c" 2 >/dev/null

# ---- the two groups ---------------------------------------------------------------------------------
nv() { printf '<nvpair id="%s-%s" name="%s" value="%s"/>' "$1" "$2" "$2" "$3"; }
prim() { # prim ID CLASS PROVIDER TYPE NVPAIRS...
  local id=$1 class=$2 provider=$3 type=$4; shift 4
  printf '<primitive id="%s" class="%s"%s type="%s"><instance_attributes id="%s-ia">%s</instance_attributes>' \
    "$id" "$class" "${provider:+ provider=\"$provider\"}" "$type" "$id" "$*"
  printf '<operations><op id="%s-start" name="start" interval="0s" timeout="120s"/><op id="%s-stop" name="stop" interval="0s" timeout="120s"/><op id="%s-mon" name="monitor" interval="10s" timeout="30s"/></operations></primitive>' "$id" "$id" "$id"
}
group() { printf '<group id="%s"><meta_attributes id="%s-meta"><nvpair id="%s-stick" name="resource-stickiness" value="100"/></meta_attributes>%s</group>' "$1" "$1" "$1" "$2"; }

ours_paths=$(printf "$c/local/ours/%s " "${paths[@]}")
po="$c/shared/pg-ours"
ours=$(prim o_shareddata ocf xcat shareddata "$(nv o_sd shared_root "$c/shared")$(nv o_sd paths "${ours_paths% }")$(nv o_sd require_mountpoint false)")
ours+=$(prim o_xcatdb ocf xcat xcatdb "$(nv o_db engine postgresql)$(nv o_db cfgloc "$po/cfgloc")$(nv o_db shared_root "$c/shared")$(nv o_db datadir "$po/data")$(nv o_db bindir "$pgbin")$(nv o_db port 5441)$(nv o_db socket_dir "$po/sock")$(nv o_db listen_addresses 127.0.0.1)$(nv o_db logfile "$po/postgres.log")")
xo="$c/xcat-ours"
ours+=$(prim o_xcatd ocf xcat xcatd "$(nv o_xd binary "$xo/xcatd")$(nv o_xd pidfile /run/xcatd-ours.pid)$(nv o_xd xcatroot "$xo/root")$(nv o_xd config_dir "$xo/etc")$(nv o_xd port 3001)$(nv o_xd install_port 3002)$(nv o_xd client_cert "$creds/client-cred.pem")$(nv o_xd ca_file "$creds/ca.pem")$(nv o_xd logfile /run/xcatd-ours.log)$(nv o_xd state_dir /run/xcatd-ours)")
hb=""
for p in "${paths[@]}"; do
  id="h_link_$(echo "$p" | tr -c 'a-z\n' '_')"
  hb+=$(prim "$id" ocf heartbeat symlink "$(nv "$id" link "$c/local/hb/$p")$(nv "$id" target "$c/shared$c/local/hb/$p")")
done
ph="$c/shared/pg-hb"
hb+=$(prim h_pgsql ocf heartbeat pgsql "$(nv h_pg pgctl "$pgbin/pg_ctl")$(nv h_pg psql "$pgbin/psql")$(nv h_pg pgdata "$ph/data")$(nv h_pg pgport 5442)$(nv h_pg socketdir "$ph/sock")$(nv h_pg pgdba postgres)$(nv h_pg logfile "$ph/sock/postgres.log")")
hb+=$(prim h_xcatd lsb "" xcatd-hb)
cluster run "$c" node1 cibadmin --create -o resources --xml-text "$(group xcat_ours "$ours")" >/dev/null
cluster run "$c" node1 cibadmin --create -o resources --xml-text "$(group xcat_hb "$hb")" >/dev/null
for g in xcat_ours xcat_hb; do
  end=$(( $(date +%s) + 120 ))
  until cluster run "$c" node1 python3 "$here/bench/failover-wait.py" "$g" where >/dev/null; do
    [ "$(date +%s)" -lt "$end" ] || { echo "bench: $g never Started" >&2; cluster run "$c" node1 crm_mon -1 >&2; exit 1; }
    sleep 0.5
  done
done

fjson="$work/failover.json"
mv_ours="$here/bench/failover-move.sh $c xcat_ours"
mv_hb="$here/bench/failover-move.sh $c xcat_hb"
hyperfine -N --runs "${BENCH_FAILOVER_RUNS:-6}" --export-json "$fjson" \
  --prepare "$mv_ours clear" -n "scenario 1 failover, our agents (shareddata, xcatdb, xcatd)" "$mv_ours" \
  --prepare "$mv_hb clear" -n "scenario 1 failover, heartbeat agents (symlink ×5, pgsql, lsb xcatd)" "$mv_hb"

python3 "$here/bench/section.py" "$fjson" "$here/bench/RESULTS.md" \
  "Failover of scenario 1 (same \`make bench\` run; one real 2-node Pacemaker 2.1.5 cluster)" \
  "
Two groups side by side on the cluster of \`tools/cluster.sh\`, each on PostgreSQL 15 with its own
data directory on the shared storage and an xcatd stand-in with its own ports: ours (shareddata
with the five xCAT paths, xcatdb, xcatd) and the same stack from heartbeat agents (five symlink
resources, pgsql, and an LSB init script that does what xCAT's does — xcatctl status, kill of
the listener's process group). Both move by stop and start (a group is not migrated). Each time is
\`crm_resource --move\` to the other node until every member is Started there with nothing pending
(crm_mon polled every 50 ms inside the node; bench/failover-move.sh); the move constraint is
cleared between runs, outside the timing. The address and filesystem of the full example are the
same heartbeat agents in both stacks and are left out.
" \
  "scenario 1 failover, our agents (shareddata, xcatdb, xcatd) / scenario 1 failover, heartbeat agents (symlink ×5, pgsql, lsb xcatd) | <= 0.5"
