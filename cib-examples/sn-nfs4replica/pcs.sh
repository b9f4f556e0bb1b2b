#!/bin/sh
# pcs — the same configuration as cib.xml
set -e
pcs property set stonith-enabled=false
for pair in "sn1 10.0.0.11 10.0.0.12 sn2" "sn2 10.0.0.12 10.0.0.11 sn1"; do
  set -- $pair
  pcs resource create "$1_install" ocf:xcat:nfs4replica directory=/install options=ro,no_subtree_check,no_root_squash \
      fsid=1 replicas="$2 $3" sync_paths="/install/statelite /install/paging" ssh_key=/root/.ssh/id_ed25519 lease_wait=90 \
      meta allow-migrate=true \
      op start timeout=60s op stop timeout=300s op migrate_to timeout=300s op monitor interval=10s timeout=20s
  pcs constraint location "$1_install" prefers "$1"=INFINITY
  pcs constraint location "$1_install" avoids "$4"=INFINITY
done
