#!/bin/bash
# bench/nfs-client.sh [RUNS] — what a real Linux NFS client (Debian 12's kernel 6.1 under QEMU
# TCG, tests/nfs-guest) sees when its service node's /install moves, RUNS times (default 3):
#   handover            our migration (migrate_to, migrate_from, stop with a refer= referral);
#                       the client mounted SN1's own address
#   handover-heartbeat  the same move with resource-agents' ocf:heartbeat:exportfs (no migration:
#                       stop on SN1, start on SN2)
#   takeover-shared     SN1 crashes; IPaddr2 starts the floating address on SN2, where nfsd and
#                       our export already run on the same file system
#   move-shared         a planned move of the floating address (IPaddr2 stop on SN1, start on SN2)
# The client reads one file in a loop with O_DIRECT over a hard NFSv4.2 mount. Appends a section
# to RESULTS.md. Times are QEMU-without-KVM times: every step, IPaddr2's own included, runs
# several times slower than on hardware; compare the rows with each other.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
bash "$here/tests/nfs-guest/guest.sh" prepare "$here/build/guest"
out=$(mktemp -d /tmp/ocfagents-nfs-bench.XXXXXX)
for i in $(seq "$runs"); do
  mkdir -p "$out/$i"
  echo "$here/dist/bin/nfs4replica" >"$out/$i/agent"
  echo handover handover-heartbeat takeover-shared move-shared >"$out/$i/scenarios"
  bash "$here/tests/nfs-guest/guest.sh" run "$here/build/guest" "$out/$i" "$here/tests/nfs-guest/scenarios.sh" 1200
done
python3 - "$out" "$runs" >>"$here/bench/RESULTS.md" <<'PY'
import os, sys, statistics, datetime
out, runs = sys.argv[1], int(sys.argv[2])
def load(run, name):
    d = os.path.join(out, str(run))
    if open(os.path.join(d, f"{name}.result")).read().strip() != "ok":
        raise SystemExit(f"run {run}: {name} did not finish")
    events = {}
    for line in open(os.path.join(d, f"{name}.events")):
        t, step = line.rstrip("\n").split(" ", 1)
        events.setdefault(step, float(t))
    reads = [l.split() for l in open(os.path.join(d, f"{name}.reads")) if l.split()[1] in ("path", "fd")]
    return events, [(float(t), k, r) for t, k, r in reads]
def stall(reads, start):
    ok = [t for t, k, r in reads if k == "path" and r == "ok"]
    last = max([t for t in ok if t <= start], default=start)
    longest = 0.0
    for t in (t for t in ok if t > start):
        longest, last = max(longest, t - last), t
    return longest
def back(reads, after):
    return min((t for t, k, r in reads if k == "path" and r == "ok" and t > after), default=None)
rows = []
def row(label, values, unit="s"):
    vals = [v for v in values if v is not None]
    fmt = (lambda v: f"{v:.2f}") if unit else (lambda v: f"{v:g}")
    text = f"{fmt(statistics.median(vals))}{' ' + unit if unit else ''} ({', '.join(fmt(v) for v in values)})" if vals else "never"
    rows.append((label, text))
ours = [load(r, "handover") for r in range(1, runs + 1)]
hb = [load(r, "handover-heartbeat") for r in range(1, runs + 1)]
crash = [load(r, "takeover-shared") for r in range(1, runs + 1)]
move = [load(r, "move-shared") for r in range(1, runs + 1)]
row("handover, ours: failed reads", [sum(1 for t, k, r in rd if r != "ok") for ev, rd in ours], "")
row("handover, ours: longest stall from the stop on SN1", [stall(rd, ev["stop on SN1"]) for ev, rd in ours])
row("handover, ours: the stop on SN1 (referral until quiet, unexport)", [ev["stopped on SN1"] - ev["stop on SN1"] for ev, rd in ours])
row("handover, heartbeat exportfs: failed reads", [sum(1 for t, k, r in rd if r != "ok") for ev, rd in hb], "")
row("handover, heartbeat exportfs: reads back after start on SN2", [None if back(rd, ev["started on SN2"]) is None or any(r != "ok" for t, k, r in rd if t > ev["started on SN2"]) else back(rd, ev["started on SN2"]) - ev["started on SN2"] for ev, rd in hb])
row("crash, floating address: failed reads", [sum(1 for t, k, r in rd if r != "ok") for ev, rd in crash], "")
row("crash, floating address: reads back after the address is up on SN2", [back(rd, ev["address on SN2"]) - ev["address on SN2"] for ev, rd in crash])
row("crash, floating address: longest stall from the crash (IPaddr2 start included)", [stall(rd, ev["SN1 crashed"]) for ev, rd in crash])
row("move of the floating address: failed reads", [sum(1 for t, k, r in rd if r != "ok") for ev, rd in move], "")
row("move of the floating address: reads back after the address is up on SN2", [back(rd, ev["address on SN2"]) - ev["address on SN2"] for ev, rd in move])
row("move of the floating address: longest stall (IPaddr2 stop and start included)", [stall(rd, ev["moving the address"]) for ev, rd in move])
print(f"\n## NFS client stall (bench/nfs-client.sh, {runs} runs, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC)\n")
print("A real Linux NFS client (Debian 12, kernel 6.1, QEMU without KVM) reading one file in a loop with")
print("O_DIRECT over a hard NFSv4.2 mount; two service nodes and the client in namespaces of the guest.")
print("Median (each run). Under TCG every step is several times slower than on hardware.\n")
print("| figure | measured |\n|---|---|")
for label, text in rows:
    print(f"| {label} | {text} |")
PY
rm -rf "$out"
tail -16 "$here/bench/RESULTS.md"
