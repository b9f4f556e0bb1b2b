#!/bin/sh
# pcs — the same configuration as cib.xml
set -e
pcs property set stonith-enabled=true stonith-action=reboot
pcs stonith create fence_oss01 fence_ipmi pcmk_host_list=oss01 ip=oss01sp username=root password=changeme \
    lanplus=1 cipher=17 method=onoff op monitor interval=60s timeout=20s
pcs stonith create fence_oss02 external/xcat-ipmi hostname=oss02 ipaddr=oss02sp userid=root passwd=changeme \
    interface=lanplus op monitor interval=60s timeout=20s
pcs constraint location fence_oss01 avoids oss01
pcs constraint location fence_oss02 avoids oss02
