#!/bin/sh
# pcs — the same configuration as cib.xml
set -e
pcs property set stonith-enabled=true stonith-action=reboot
pcs stonith create fence_mn1 fence_ipmi pcmk_host_list=mn1 ip=mn1-bmc username=ADMIN \
    password_script="/usr/local/sbin/bmc-password mn1-bmc" lanplus=1 cipher=17 pcmk_delay_max=15s op monitor interval=60s timeout=20s
pcs stonith create fence_mn2 fence_ipmi pcmk_host_list=mn2 ip=mn2-bmc username=ADMIN \
    password_script="/usr/local/sbin/bmc-password mn2-bmc" lanplus=1 cipher=17 op monitor interval=60s timeout=20s
pcs constraint location fence_mn1 avoids mn1=INFINITY
pcs constraint location fence_mn2 avoids mn2=INFINITY
pcs resource create xcat_drbd ocf:linbit:drbd drbd_resource=xcat \
    op monitor interval=29s timeout=20s role=Promoted op monitor interval=31s timeout=20s role=Unpromoted \
    promotable promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true
pcs resource create xcat_vip ocf:heartbeat:IPaddr2 ip=10.0.0.10 cidr_netmask=24 op monitor interval=10s timeout=20s --group xcat_mn
pcs resource create xcat_shared_fs ocf:heartbeat:Filesystem device=/dev/drbd/by-res/xcat directory=/HA-data fstype=ext4 \
    op monitor interval=20s timeout=40s --group xcat_mn
pcs resource create xcat_shareddata ocf:xcat:shareddata shared_root=/HA-data \
    paths="/install /etc/xcat /root/.xcat /var/lib/pgsql /tftpboot" op monitor interval=10s timeout=20s --group xcat_mn
pcs resource create xcat_db ocf:xcat:xcatdb engine=postgresql shared_root=/HA-data datadir=/var/lib/pgsql/data \
    bindir=/usr/lib/postgresql/15/bin \
    op start timeout=60s op stop timeout=60s op monitor interval=10s timeout=20s \
    op monitor interval=60s timeout=30s OCF_CHECK_LEVEL=10 --group xcat_mn
pcs resource create xcat_xcatd ocf:xcat:xcatd post_start="makedns -n; makedhcp -n; makedhcp -a; makeconservercf" \
    op start timeout=300s op stop timeout=60s op monitor interval=10s timeout=20s \
    op monitor interval=60s timeout=30s OCF_CHECK_LEVEL=10 --group xcat_mn
pcs resource meta xcat_mn resource-stickiness=100
pcs constraint colocation add xcat_mn with Promoted xcat_drbd-clone INFINITY
pcs constraint order promote xcat_drbd-clone then start xcat_mn
