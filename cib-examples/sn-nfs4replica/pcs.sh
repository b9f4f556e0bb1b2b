#!/bin/sh
# pcs — the same configuration as cib.xml
set -e
pcs property set stonith-enabled=true stonith-action=reboot
pcs stonith create fence_sn1 fence_ipmi pcmk_host_list=sn1 ip=sn1-bmc username=ADMIN \
    password_script="/usr/local/sbin/bmc-password sn1-bmc" lanplus=1 cipher=17 pcmk_delay_max=15s op monitor interval=60s timeout=20s
pcs stonith create fence_sn2 fence_ipmi pcmk_host_list=sn2 ip=sn2-bmc username=ADMIN \
    password_script="/usr/local/sbin/bmc-password sn2-bmc" lanplus=1 cipher=17 op monitor interval=60s timeout=20s
pcs constraint location fence_sn1 avoids sn1=INFINITY
pcs constraint location fence_sn2 avoids sn2=INFINITY
# pcs asks systemd for a unit's meta-data: --force only where systemd cannot answer (building
# this configuration on a machine that is not a service node); a service node needs none.
pcs resource create nfsd systemd:nfs-server op start timeout=60s op stop timeout=60s \
    op monitor interval=30s timeout=20s clone nfsd-clone $(systemctl cat nfs-server.service >/dev/null 2>&1 || echo --force)
pcs resource create sn_install ocf:xcat:nfs4replica directory=/install options=ro,no_subtree_check,no_root_squash fsid=1 \
    replicas="10.0.0.11 10.0.0.12" op start timeout=60s op stop timeout=60s op monitor interval=10s timeout=20s clone sn_install-clone
pcs resource create sn_ip ocf:heartbeat:IPaddr2 ip=10.0.0.10 cidr_netmask=24 meta resource-stickiness=100 \
    op monitor interval=10s timeout=20s
pcs constraint order start nfsd-clone then start sn_install-clone
pcs constraint colocation add sn_install-clone with nfsd-clone INFINITY
pcs constraint order start sn_install-clone then start sn_ip
pcs constraint colocation add sn_ip with sn_install-clone INFINITY
