#!/bin/sh
# pcs — the same configuration as cib.xml
set -e
pcs property set stonith-enabled=false
pcs resource create xcat_vip ocf:heartbeat:IPaddr2 ip=10.0.0.10 cidr_netmask=24 op monitor interval=10s timeout=20s --group xcat_mn
pcs resource create xcat_shared_fs ocf:heartbeat:Filesystem device=/dev/drbd/by-res/xcat directory=/HA-data fstype=ext4 \
    op monitor interval=20s timeout=40s --group xcat_mn
pcs resource create xcat_shareddata ocf:xcat:shareddata shared_root=/HA-data \
    paths="/install /etc/xcat /root/.xcat /var/lib/pgsql /tftpboot" op monitor interval=10s timeout=20s --group xcat_mn
pcs resource create xcat_db ocf:xcat:xcatdb engine=postgresql shared_root=/HA-data datadir=/var/lib/pgsql/data \
    bindir=/usr/lib/postgresql/15/bin meta allow-migrate=true \
    op start timeout=60s op stop timeout=60s op monitor interval=10s timeout=20s \
    op monitor interval=60s timeout=30s OCF_CHECK_LEVEL=10 --group xcat_mn
pcs resource create xcat_xcatd ocf:xcat:xcatd post_start="makedns -n; makedhcp -n; makedhcp -a; makeconservercf" \
    meta allow-migrate=true \
    op start timeout=300s op stop timeout=60s op monitor interval=10s timeout=20s \
    op monitor interval=60s timeout=30s OCF_CHECK_LEVEL=10 --group xcat_mn
pcs resource meta xcat_mn resource-stickiness=100
