#!/bin/bash
# bench/failover-move.sh DIR GROUP — one failover, the thing `make bench` times: move GROUP to the
# node it is not on (crm_resource --move) and return once every member is Started there with no
# operation pending. The poll runs inside the node (crm_mon every 50 ms), so the time measured
# is the cluster's, not this script's start-up. bench/failover-move.sh DIR GROUP prepare OTHER
# (hyperfine's --prepare, outside the timing): stop group OTHER, drop GROUP's move constraint and
# start GROUP if it is stopped. The two stacks run xCAT on the same real paths, so each probes
# as "not installed" on a node where the other runs: GROUP is cleaned up (probed again) only
# once OTHER is stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$1 group=$2
run() { "$here/tools/cluster.sh" run "$dir" node1 "$@"; }
role() { run crm_resource --resource "$1" --set-parameter target-role --meta --parameter-value "$2" >/dev/null 2>&1; }
if [ "${3:-}" = prepare ]; then
  role "$4" Stopped
  run python3 "$here/bench/failover-wait.py" "$4" stopped 180
  run crm_resource --clear --resource "$group" >/dev/null 2>&1
  if ! run python3 "$here/bench/failover-wait.py" "$group" where >/dev/null; then
    run crm_resource --cleanup --resource "$group" >/dev/null 2>&1
    run crm_resource --wait --timeout 120s >/dev/null
  fi
  role "$group" Started
  run python3 "$here/bench/failover-wait.py" "$group" any 180
  exit 0
fi
from=$(run python3 "$here/bench/failover-wait.py" "$group" where)
to=node$(( 3 - ${from#node} ))
run crm_resource --move --resource "$group" --node "$to" >/dev/null 2>&1
run python3 "$here/bench/failover-wait.py" "$group" "$to" 120
