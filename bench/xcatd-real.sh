#!/bin/bash
# The xcatd section against the real xcatd 2.19.0 (xCAT's own code), in the private node of
# tests/xcat/xcat-node.sh: our monitor at depth 0 and 10 next to what an admin runs by hand —
# xCAT's own init script's status (share/xcat/scripts/xcatd, installed as /etc/init.d/xcatd) and
# lsxcatd -v. Called by bench/run.sh; runs on its own too (it appends its section to
# bench/RESULTS.md). Needs the tree: $XCAT_TARBALL or ../shared/xcat beside the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if ! tarball=$("$here/tests/xcat/xcat-node.sh" tarball); then
  echo "bench: the real-xcatd section is not run" >&2
  exit 0
fi
work=$(mktemp -d /tmp/ocfagents-bench-xcat.XXXXXX)
node="$work/node"
trap '"$here/tests/xcat/xcat-node.sh" stop "$node" || true; rm -rf "$work"' EXIT
"$here/tests/xcat/xcat-node.sh" unpack "$tarball" "$work/tree"
mkdir -p "$node"
"$here/tests/xcat/xcat-node.sh" start "$node" "$work/tree/xcat" "$here" "$work" >/dev/null
x() { "$here/tests/xcat/xcat-node.sh" exec "$node" "$@"; }
agent="env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=xcatd OCF_RESKEY_CRM_meta_interval=10000 $here/dist/bin/xcatd"
deep="env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=xcatd OCF_RESKEY_CRM_meta_interval=60000 OCF_CHECK_LEVEL=10 $here/dist/bin/xcatd"
x $agent start 2>/dev/null
x sh -c "$agent monitor && $deep monitor && /opt/xcat/share/xcat/scripts/xcatd status >/dev/null && lsxcatd -v >/dev/null" \
  || { echo "bench: the real xcatd does not report running" >&2; exit 1; }
# The executor sets the agent's environment and execs it: the OCF variables go to hyperfine, not
# through an env process per run (~1 ms here, a third of a depth-0 monitor). Depth 10 adds its
# level through env; at its scale that is noise.
x env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=xcatd OCF_RESKEY_CRM_meta_interval=10000 \
  hyperfine -N --warmup 10 --runs "${BENCH_XCATD_RUNS:-100}" --export-json "$work/xcatd-real.json" \
  -n "xcatd monitor (depth 0)" "$here/dist/bin/xcatd monitor" \
  -n "xcatd monitor (depth 10)" "env OCF_CHECK_LEVEL=10 OCF_RESKEY_CRM_meta_interval=60000 $here/dist/bin/xcatd monitor" \
  -n "xCAT's init script: xcatd status" "/opt/xcat/share/xcat/scripts/xcatd status" \
  -n "lsxcatd -v (xCAT's client)" "lsxcatd -v"
x $agent stop 2>/dev/null

python3 "$here/bench/section.py" "$work/xcatd-real.json" "$here/bench/RESULTS.md" \
  "xcatd against the real xcatd 2.19.0 (bench/xcatd-real.sh; SQLite tables, started by xcatd)" \
  "
Inside the private management node (tests/xcat/xcat-node.sh), all four through the same
namespaces; the agent is run as the executor runs it, its OCF variables in hyperfine's environment
(depth 10 adds OCF_CHECK_LEVEL through env). xcatd is one static executable with OpenSSL linked in. xCAT's init script status is what \`/etc/init.d/xcatd status\` runs on an xCAT
management node; \`lsxcatd -v\` is xCAT's own client asking the daemon, the question our depth 10
asks over the same TLS protocol with the same client certificate. Most of either depth-10 time
is xcatd's own: it forks a Perl handler for every connection and answers from it, the same for
both clients; ours saves lsxcatd's Perl start-up, so its bar is < 1× (xCAT's client is slower).
" \
  "xcatd monitor (depth 0) / xCAT's init script: xcatd status | <= 0.3" \
  "xcatd monitor (depth 10) / lsxcatd -v (xCAT's client) | < 1" \
  "xcatd monitor (depth 10) / xCAT's init script: xcatd status | -"
