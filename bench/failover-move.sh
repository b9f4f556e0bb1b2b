#!/bin/bash
# bench/failover-move.sh DIR GROUP — one failover, the thing `make bench` times: move GROUP to the
# node it is not on (crm_resource --move) and return once every member is Started there with no
# operation pending. The poll runs inside the node (crm_mon every 50 ms), so the time measured
# is the cluster's, not this script's start-up. bench/failover-move.sh DIR GROUP clear: drop the
# move constraint (hyperfine's --prepare, outside the timing).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$1 group=$2
run() { "$here/tools/cluster.sh" run "$dir" node1 "$@"; }
if [ "${3:-}" = clear ]; then run crm_resource --clear --resource "$group" >/dev/null 2>&1; exit 0; fi
from=$(run python3 "$here/bench/failover-wait.py" "$group" where)
to=node$(( 3 - ${from#node} ))
run crm_resource --move --resource "$group" --node "$to" >/dev/null 2>&1
run python3 "$here/bench/failover-wait.py" "$group" "$to" 120
