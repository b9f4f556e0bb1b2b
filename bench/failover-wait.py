#!/usr/bin/env python3
"""failover-wait.py GROUP where | GROUP NODE TIMEOUT — inside a cluster node.

where: prints the node every member of GROUP is Started on (exit 1 when there is none).
NODE TIMEOUT: polls crm_mon every 50 ms until every member of GROUP is Started on NODE (any:
on one node, whichever), none is pending and none failed; exit 1 at TIMEOUT seconds, naming what
it saw. stopped TIMEOUT: the same until no member runs anywhere and none is pending.
"""
import subprocess, sys, time
import xml.etree.ElementTree as ET


def members(group):
    xml = subprocess.run(["crm_mon", "-1", "--output-as=xml"], capture_output=True, text=True, check=True).stdout
    for g in ET.fromstring(xml).iter("group"):
        if g.get("id") == group:
            return [(r.get("id"), r.get("role"), r.get("pending") is not None or r.get("failed") == "true",
                     [n.get("name") for n in r.iter("node")]) for r in g.iter("resource")]
    return []


def on(group):
    rs = members(group)
    nodes = {tuple(n) for _, role, busy, n in rs if role == "Started" and not busy}
    ok = rs and all(role == "Started" and not busy for _, role, busy, _ in rs) and len(nodes) == 1 and len(next(iter(nodes))) == 1
    return next(iter(nodes))[0] if ok else None, rs


group = sys.argv[1]
if sys.argv[2] == "where":
    node, rs = on(group)
    print(node or "")
    sys.exit(0 if node else 1)
target, limit = sys.argv[2], float(sys.argv[3])
end = time.monotonic() + limit
while True:
    node, rs = on(group)
    if target == "stopped" and not any(role != "Stopped" or busy for _, role, busy, _ in rs):
        sys.exit(0)
    if node is not None and target in (node, "any"):
        sys.exit(0)
    if time.monotonic() > end:
        print(f"{group} not Started on {target} after {limit} s: {rs}", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.05)
