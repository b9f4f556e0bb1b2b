#!/bin/bash
# make demo — the main job: shareddata through its whole life under Pacemaker's own executor
# path (crm_resource --force-*), on a scratch node with a tmpfs "shared storage" mount.
# Everything happens in a private mount namespace: nothing outside /tmp/ocfagents-demo changes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${OCFAGENTS_DEMO_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "demo: needs root (mount namespace, tmpfs)"; exit 1; }
  exec env OCFAGENTS_DEMO_INSIDE=1 unshare --mount --propagation private -- "$0" "$@"
fi

demo=/tmp/ocfagents-demo
rm -rf "$demo"; mkdir -p "$demo/resource.d/xcat" "$demo/HA-data" "$demo/node"
install -m 0755 "$here/dist/bin/shareddata" "$demo/resource.d/xcat/shareddata"
mount --bind "$demo/resource.d" /usr/lib/ocf/resource.d
mount -t tmpfs -o size=16m shared-storage "$demo/HA-data"

paths=""
for p in install etc/xcat root/.xcat var/lib/pgsql tftpboot; do
  mkdir -p "$demo/node/$p" "$demo/HA-data$demo/node/$p"
  echo "local copy of /$p" > "$demo/node/$p/README"
  echo "shared copy of /$p" > "$demo/HA-data$demo/node/$p/README"
  paths="$paths $demo/node/$p"
done
opts=(--class ocf --provider xcat --agent shareddata --option "shared_root=$demo/HA-data" --option "paths=${paths# }")

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() {
  local what=$1 expect=$2; shift 2
  bold "$what"
  echo "\$ crm_resource $1 --class ocf --provider xcat --agent shareddata --option shared_root=… --option paths=…"
  set +e; crm_resource "$@" "${opts[@]}" 2>&1 | sed 's/^/   /'; local rc=${PIPESTATUS[0]}; set -e
  if [ "$rc" -eq "$expect" ]; then echo "   -> exit $rc (expected)"; else echo "   -> exit $rc, expected $expect: DEMO FAILED"; exit 1; fi
}
show() { echo "   node:"; (cd "$demo/node" && for p in install etc/xcat root/.xcat var/lib/pgsql tftpboot; do
  printf '     %-16s %s\n' "$p" "$( [ -L "$p" ] && echo "-> $(readlink "$p")" || { [ -e "$p" ] && echo "(local: $(cat "$p/README"))" || echo "(absent)"; })"; done); }

bold "A scratch node: five xCAT paths with local data, shared storage (tmpfs) mounted at $demo/HA-data"
show
step "validate-all" 0 --validate
step "probe: not running yet" 7 --force-check
step "start: move local data aside, link all five paths" 0 --force-start
show
step "monitor: running" 0 --force-check
bold "An admin removes a link by hand"
rm "$demo/node/etc/xcat"; echo "   \$ rm $demo/node/etc/xcat"
step "monitor: the failure and its reason" 1 --force-check
step "start: repairs the set" 0 --force-start
step "stop: remove our links, restore every backup" 0 --force-stop
show
step "monitor: stopped" 7 --force-check
bold "A backup that already exists is never overwritten"
mkdir "$demo/node/install.xcatbak"; echo "   \$ mkdir $demo/node/install.xcatbak"
step "start: refused, nothing changed" 5 --force-start
show
rmdir "$demo/node/install.xcatbak"
bold "Demo complete: every step answered as expected"
