#!/bin/sh
# pcs — the same configuration as cib.xml
set -e
pcs property set stonith-enabled=true stonith-action=reboot
pcs stonith create fence_xen01 external/xcat-riloe hostlist=xen01 ilo_hostname=xen01-ilo ilo_user=Administrator \
    ilo_password=changeme ilo_can_reset=1 ilo_protocol=2.0 ilo_powerdown_method=power \
    op monitor interval=60s timeout=30s
pcs stonith create fence_xen02 fence_riloe pcmk_host_list=xen02 ip=xen02-ilo username=Administrator password=changeme \
    ssl_ca_file=/etc/pki/ilo-ca.pem ribcl_version=2.0 method=onoff op monitor interval=60s timeout=30s
pcs constraint location fence_xen01 avoids xen01
pcs constraint location fence_xen02 avoids xen02
