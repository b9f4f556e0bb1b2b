#!/bin/sh
# The same configuration with pcs (run on one cluster node). Fencing is off only because this
# example shows shareddata alone; a production cluster fences (see ../xcat-mn).
pcs property set stonith-enabled=false
pcs resource create xcat_shared_fs ocf:heartbeat:Filesystem \
    device=/dev/drbd/by-res/xcat directory=/HA-data fstype=ext4 \
    op monitor interval=20s timeout=40s
pcs resource create xcat_shareddata ocf:xcat:shareddata \
    shared_root=/HA-data paths="/install /etc/xcat /root/.xcat /var/lib/pgsql /tftpboot" \
    meta resource-stickiness=100 \
    op start timeout=20s op stop timeout=20s \
    op monitor interval=10s timeout=20s \
    op monitor interval=60s timeout=20s OCF_CHECK_LEVEL=10
pcs constraint colocation add xcat_shareddata with xcat_shared_fs INFINITY
pcs constraint order xcat_shared_fs then xcat_shareddata
